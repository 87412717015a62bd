package syncbuf_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"echtzeit/internal/syncbuf"
)

// TestConcurrentWriters: every write arrives whole, none lost.
func TestConcurrentWriters(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "w%d-%03d\n", i, j)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	assert.Len(t, lines, 800)
	for _, l := range lines {
		assert.Regexp(t, `^w\d-\d{3}$`, l)
	}
}
