package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"echtzeit/harness/browser"
)

// SaveFailureArtifacts writes page.png (if a screenshot can be taken) and
// page.console.log of p into <module root>/testdata/failures/<name>/ and
// returns the folder. Shared.Page names the second page of a test page-2
// and so on.
func SaveFailureArtifacts(name string, p *browser.Page) (string, error) {
	return saveFailureArtifacts(name, "page", p)
}

func saveFailureArtifacts(name, label string, p *browser.Page) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "testdata", "failures", sanitize(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p.Context().Err() != nil {
		// The test closed the page itself; only its console is left.
	} else if png, err := p.Screenshot(ctx); err != nil {
		errs = append(errs, err)
	} else if err := os.WriteFile(filepath.Join(dir, label+".png"), png, 0o644); err != nil {
		errs = append(errs, fmt.Errorf("write screenshot: %w", err))
	}
	log := p.ConsoleText()
	if out := p.Browser().Output(); out != "" {
		log += "\n--- chromium output (tail) ---\n" + out
	}
	if err := os.WriteFile(filepath.Join(dir, label+".console.log"), []byte(log), 0o644); err != nil {
		errs = append(errs, fmt.Errorf("write console log: %w", err))
	}
	return dir, errors.Join(errs...)
}

// moduleRoot finds the folder with go.mod above the working directory (a
// test's working directory is its package folder).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}
