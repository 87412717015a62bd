package camera

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"echtzeit/signaling/protocol"
)

// RoomFileName is the name of the room ID file in the state directory.
const RoomFileName = "room-id"

// DefaultStateDir is $XDG_STATE_HOME/echtzeit, or ~/.local/state/echtzeit.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "echtzeit"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "echtzeit"), nil
}

// LoadOrCreateRoomID reads the room ID stored in path. When the file does not exist
// it generates a new 256-bit ID (thesis §4.3.2: the ID printed on the camera's box),
// stores it with mode 0600 (creating the directory with 0700) and reports created.
func LoadOrCreateRoomID(path string) (id protocol.RoomID, created bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		id, err := protocol.ParseRoomID(strings.TrimSpace(string(data)))
		if err != nil {
			return "", false, fmt.Errorf("room file %s: %w", path, err)
		}
		return id, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", false, fmt.Errorf("room file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("room file: %w", err)
	}
	id = protocol.NewRoomID()
	// O_EXCL: if another process created the file meanwhile, use its ID.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateRoomID(path)
	}
	if err != nil {
		return "", false, fmt.Errorf("room file: %w", err)
	}
	if _, err := f.WriteString(string(id) + "\n"); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return "", false, fmt.Errorf("room file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return "", false, fmt.Errorf("room file %s: %w", path, err)
	}
	return id, true, nil
}
