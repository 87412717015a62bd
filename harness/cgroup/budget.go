package cgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// Board is a computer that a named budget stands for.
type Board struct {
	Name  string
	Cores int
	// Factor is the speed of one of its cores relative to one core of this
	// host, for single-threaded video encoding (DESIGN.md "CPU budgets").
	Factor float64
	About  string
}

// Boards are the named budgets. The factors are estimates from published
// single-thread figures; camera --benchmark on the board and on the host gives
// the true value, which a scenario sets with cpu-factors.
func Boards() []Board {
	return []Board{
		{Name: "pi4", Cores: 4, Factor: 0.30, About: "Raspberry Pi 4 Model B, 4 × Cortex-A72 at 1.5 GHz"},
		{Name: "pi3", Cores: 4, Factor: 0.15, About: "Raspberry Pi 3 Model B+, 4 × Cortex-A53 at 1.4 GHz"},
	}
}

// Host is the budget without a limit.
const Host = "host"

// Budget is a CPU quota for a sender process.
type Budget struct {
	// Name as written in the scenario: "host", "pi4", "pi4:1", "0.5".
	Name string
	// Cores is the quota in cores of this host; 0 means no limit (host).
	Cores float64
	// Board and Factor are set for named budgets.
	Board  string
	Factor float64
}

// Limited reports whether the budget has a quota.
func (b Budget) Limited() bool { return b.Cores > 0 }

// ParseBudget parses a budget: "host"; a number of host cores ("0.5", "2");
// a board ("pi4" = all its cores) or some of a board's cores ("pi4:1" = one of
// them: the bound of a single-threaded encoder). factors overrides the boards'
// per-core factors by name.
func ParseBudget(s string, factors map[string]float64) (Budget, error) {
	s = strings.TrimSpace(s)
	if s == Host {
		return Budget{Name: s}, nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if !(v > 0 && v <= MaxCores) {
			return Budget{}, fmt.Errorf("%w %q: cores must be more than 0 and at most %d", ErrBudget, s, MaxCores)
		}
		return Budget{Name: s, Cores: v}, nil
	}
	name, count, hasCount := strings.Cut(s, ":")
	for _, b := range Boards() {
		if b.Name != name {
			continue
		}
		n := b.Cores
		if hasCount {
			var err error
			if n, err = strconv.Atoi(count); err != nil || n < 1 || n > b.Cores {
				return Budget{}, fmt.Errorf("%w %q: %s has 1 to %d cores", ErrBudget, s, b.Name, b.Cores)
			}
		}
		f := b.Factor
		if v, ok := factors[b.Name]; ok {
			if !(v > 0 && v <= 64) {
				return Budget{}, fmt.Errorf("%w: factor %g of %s must be more than 0", ErrBudget, v, b.Name)
			}
			f = v
		}
		return Budget{Name: s, Cores: float64(n) * f, Board: b.Name, Factor: f}, nil
	}
	return Budget{}, fmt.Errorf("%w %q: want host, a number of cores, or one of %s (optionally :CORES)", ErrBudget, s, boardNames())
}

func boardNames() string {
	var names []string
	for _, b := range Boards() {
		names = append(names, b.Name)
	}
	return strings.Join(names, ", ")
}
