package link

import (
	_ "embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed builtin.yaml
var builtinYAML []byte

// BuiltinNames lists the built-in profiles in the order of README's table.
func BuiltinNames() []string {
	return []string{"lan", "wifi", "cable", "4g", "3g", "2g", "lossy", "step"}
}

// Builtin returns the built-in profile name (BuiltinNames), or an error
// wrapping ErrUnknownProfile.
func Builtin(name string) (*Profile, error) {
	specs, err := builtinSpecs()
	if err != nil {
		return nil, err
	}
	s, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (built in: %s)", ErrUnknownProfile, name, strings.Join(BuiltinNames(), ", "))
	}
	p, err := Resolve(name, s, nil)
	if err != nil {
		return nil, fmt.Errorf("built-in profile %s: %w", name, err)
	}
	return p, nil
}

// IsBuiltin reports whether name is a built-in profile.
func IsBuiltin(name string) bool {
	for _, n := range BuiltinNames() {
		if n == name {
			return true
		}
	}
	return false
}

func builtinSpecs() (map[string]Spec, error) {
	var specs map[string]Spec
	if err := yaml.Unmarshal(builtinYAML, &specs); err != nil {
		return nil, fmt.Errorf("built-in profiles: %w", err)
	}
	return specs, nil
}
