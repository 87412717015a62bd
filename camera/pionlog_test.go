package camera

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPionLogsLevels(t *testing.T) {
	var buf bytes.Buffer
	l := pionLogs{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}.NewLogger("ice")
	l.Trace("trace")
	l.Debugf("debug %d", 1)
	l.Infof("info %d", 2)
	l.Warn("warn")
	l.Errorf("error %s", "x")
	out := buf.String()
	assert.NotContains(t, out, "trace")
	assert.NotContains(t, out, "debug 1")
	assert.Contains(t, out, `level=DEBUG msg="info 2" pion=ice`)
	assert.Contains(t, out, `level=DEBUG msg=warn pion=ice`)
	assert.Contains(t, out, `level=WARN msg="error x" pion=ice`)
}
