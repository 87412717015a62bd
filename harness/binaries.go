package harness

import (
	"fmt"
	"os"
	"path/filepath"
)

// findBinary returns the path of the binary name: in binDir when set, else next
// to the running executable, else in ./bin.
func findBinary(binDir, name string) (string, error) {
	var dirs []string
	if binDir != "" {
		dirs = append(dirs, binDir)
	} else {
		if exe, err := os.Executable(); err == nil {
			dirs = append(dirs, filepath.Dir(exe))
		}
		dirs = append(dirs, "bin")
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			abs, err := filepath.Abs(p)
			if err != nil {
				return p, nil
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found in %v (build it with `make build`, or pass --bin DIR)", ErrNoBinary, name, dirs)
}

// binary returns the path of a sender binary (findBinary), remembered for the
// rest of the run.
func (r *runner) binary(name string) (string, error) {
	if p, ok := r.bins[name]; ok {
		return p, nil
	}
	p, err := findBinary(r.cfg.BinDir, name)
	if err != nil {
		return "", err
	}
	if r.bins == nil {
		r.bins = map[string]string{}
	}
	r.bins[name] = p
	return p, nil
}
