package webui_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageConnects(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 30*time.Second)
	page := openPage(ctx, t, srv, "/")
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, snap.Version)
	assert.Equal(t, "connected", snap.State)
	require.NotNil(t, snap.ID)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), *snap.ID)
	assert.Nil(t, snap.Room)
	require.NotNil(t, snap.Phases.Navigation)
	require.NotNil(t, snap.Phases.WSOpen)
	require.NotNil(t, snap.Phases.Hello)
	assert.LessOrEqual(t, *snap.Phases.Navigation, *snap.Phases.WSOpen)
	assert.LessOrEqual(t, *snap.Phases.WSOpen, *snap.Phases.Hello)
	assert.Nil(t, snap.Phases.Joined)
}
