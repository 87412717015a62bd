package camera

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

func TestLoadOrCreateRoomID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "echtzeit", RoomFileName)
	id, created, err := LoadOrCreateRoomID(path)
	require.NoError(t, err)
	assert.True(t, created)
	require.NoError(t, id.Validate())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	again, created, err := LoadOrCreateRoomID(path)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, id, again)
}

func TestLoadRoomIDRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), RoomFileName)
	require.NoError(t, os.WriteFile(path, []byte("not-a-room\n"), 0o600))
	_, _, err := LoadOrCreateRoomID(path)
	require.ErrorIs(t, err, protocol.ErrBadID)
}

func TestDefaultStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/tmp/xdg")
	d, err := DefaultStateDir()
	require.NoError(t, err)
	assert.Equal(t, "/var/tmp/xdg/echtzeit", d)
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/cam")
	d, err = DefaultStateDir()
	require.NoError(t, err)
	assert.Equal(t, "/home/cam/.local/state/echtzeit", d)
}
