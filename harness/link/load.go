package link

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Load returns the built-in profile nameOrFile, or reads a YAML file with one
// profile (the fields of a scenario's "networks:" entry) named after the
// file. Trace paths in the file are relative to its folder.
func Load(nameOrFile string) (*Profile, error) {
	if IsBuiltin(nameOrFile) {
		return Builtin(nameOrFile)
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w %q: neither built in (%v) nor a file", ErrUnknownProfile, nameOrFile, BuiltinNames())
		}
		return nil, fmt.Errorf("read profile: %w", err)
	}
	spec, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameOrFile, err)
	}
	name := filepath.Base(nameOrFile)
	name = name[:len(name)-len(filepath.Ext(name))]
	p, err := Resolve(name, spec, DirTraceReader(filepath.Dir(nameOrFile)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameOrFile, err)
	}
	return p, nil
}

// DirTraceReader opens trace paths relative to dir (absolute ones as they are).
func DirTraceReader(dir string) TraceReader {
	return func(path string) (io.ReadCloser, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return os.Open(path)
	}
}
