package forwarder

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/link"
)

// The forwarding itself runs over real TUN devices in namespaces: package
// network's tests. These cover the process protocol's edges.

func TestServeRejectsBadConfig(t *testing.T) {
	var out bytes.Buffer
	err := Serve(context.Background(), strings.NewReader("not json"), &out, 1)
	assert.ErrorContains(t, err, "read forwarder config")
	assert.Empty(t, out.String(), "no ready line")

	prof, err := link.Builtin("3g")
	require.NoError(t, err)
	_, err = Open(Config{Links: []LinkConfig{{Name: "x", SideNS: "/nonexistent", SideTUN: "t0", CoreNS: "/nonexistent", CoreTUN: "t1", Profile: prof}}})
	assert.ErrorContains(t, err, "link x")
	_, err = Open(Config{Links: []LinkConfig{{Name: "y"}}})
	assert.ErrorContains(t, err, "link y has no profile")
}

func TestStartNeedsAReadyLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Start(ctx, []string{"sh", "-c", "read cfg; echo hello; cat >/dev/null"}, nil, Config{}, nil)
	assert.ErrorContains(t, err, `unexpected first line "hello"`)
	_, err = Start(ctx, []string{"sh", "-c", "echo broken >&2; exit 3"}, nil, Config{}, nil)
	require.Error(t, err)
	assert.ErrorContains(t, err, "exited before it was ready")
	assert.ErrorContains(t, err, "broken", "stderr in the error")
	_, err = Start(ctx, nil, nil, Config{}, nil)
	assert.Error(t, err)
}

func TestStartReadsReports(t *testing.T) {
	// A stand-in that speaks the protocol: ready, two reports, then exits
	// when its input ends.
	script := `read cfg; echo '{"ready":true,"pid":7,"startUnixNano":1000000000,"scheduling":"normal"}'
echo '{"unixMs":1,"t":1,"links":[{"name":"sender","up":{"sent":3,"capacityBps":768000},"down":{}}]}'
echo '{"unixMs":2,"t":2,"links":[{"name":"sender","up":{"sent":5},"down":{}}]}'
read cmd; echo "{\"unixMs\":3,\"t\":3,\"links\":[{\"name\":\"$cmd\",\"up\":{},\"down\":{}}]}"
cat >/dev/null`
	got := make(chan Report, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, []string{"sh", "-c", script}, nil, Config{}, func(r Report) { got <- r })
	require.NoError(t, err)
	assert.Equal(t, "normal", p.Scheduling())
	assert.Equal(t, time.Unix(1, 0), p.LinkStart())
	r := <-got
	require.Len(t, r.Links, 1)
	require.NotNil(t, r.Links[0].Up.CapacityBps)
	assert.Equal(t, 768000.0, *r.Links[0].Up.CapacityBps)
	assert.Equal(t, int64(3), r.Links[0].Up.Sent)
	r = <-got
	assert.Nil(t, r.Links[0].Up.CapacityBps, "unlimited")
	require.NoError(t, p.StartSchedule())
	r = <-got
	assert.Equal(t, CmdStartSchedule, r.Links[0].Name, "the command reached the process")
	assert.Equal(t, 3.0, p.Last().T)
	require.NoError(t, p.Stop())
	<-p.Done()
}
