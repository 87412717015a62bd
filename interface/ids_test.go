package webui_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/signaling/protocol"
)

// TestRoomIDCheckAgreesWithServer: the page's room ID check (ids.js)
// accepts exactly what the server's protocol.ParseRoomID accepts, after the
// page's normalisation (trim, lower case), on table cases and random inputs.
func TestRoomIDCheckAgreesWithServer(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	page := openPage(ctx, t, srv, "/")

	valid := string(protocol.NewRoomID())
	inputs := []string{
		valid, strings.ToUpper(valid), " " + valid + "\t", valid[:63], valid + "0", valid[:63] + "g",
		valid[:63] + "é", "", "   ", strings.Repeat("0", 64), strings.Repeat("F", 64), "0x" + valid[:62],
		valid[:32] + " " + valid[33:], valid[:63] + "\u0660", // Arabic-Indic zero is not hex
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefABCDEFgxz -_\t\u00e9"
	for range 300 {
		n := 60 + rng.IntN(8)
		var sb strings.Builder
		for range n {
			if rng.IntN(10) == 0 {
				sb.WriteRune([]rune(alphabet)[rng.IntN(len([]rune(alphabet)))])
			} else {
				sb.WriteByte("0123456789abcdef"[rng.IntN(16)])
			}
		}
		inputs = append(inputs, sb.String())
	}
	js, err := json.Marshal(inputs)
	require.NoError(t, err)
	type check struct {
		OK   bool    `json:"ok"`
		Room *string `json:"room"`
	}
	got, err := browser.Eval[[]check](ctx, page, fmt.Sprintf(`(async () => {
		const ids = await import("/ids.js");
		return %s.map((s) => ids.checkRoomID(s));
	})()`, js))
	require.NoError(t, err)
	require.Len(t, got, len(inputs))
	for i, in := range inputs {
		norm := strings.ToLower(strings.TrimSpace(in))
		_, goErr := protocol.ParseRoomID(norm)
		if assert.Equal(t, goErr == nil, got[i].OK, "input %q", in) && got[i].OK {
			assert.Equal(t, norm, *got[i].Room)
		}
	}
}

func TestParseFormatAndNewRoomID(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	page := openPage(ctx, t, srv, "/")
	type format struct {
		Width, Height, FPS int
	}
	cases := []struct {
		in   string
		want *format
	}{
		{"1280x720@30", &format{1280, 720, 30}},
		{"640x480", &format{640, 480, 0}},
		{" 160 × 90 @ 15 ", &format{160, 90, 15}},
		{"1280X720@30", &format{1280, 720, 30}},
		{"1280x720@", nil},
		{"0x720", nil},
		{"1280x720@0", nil},
		{"1280*720", nil},
		{"", nil},
		{"x", nil},
	}
	for _, tc := range cases {
		got, err := browser.Eval[*format](ctx, page, fmt.Sprintf(`(async () => {
			const f = (await import("/ids.js")).parseFormat(%q);
			return f && {Width: f.width, Height: f.height, FPS: f.fps ?? 0};
		})()`, tc.in))
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "input %q", tc.in)
	}
	ids, err := browser.Eval[[]string](ctx, page, `(async () => {
		const m = await import("/ids.js");
		return Array.from({length: 50}, () => m.newRoomID());
	})()`)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, id := range ids {
		_, err := protocol.ParseRoomID(id)
		require.NoError(t, err)
		assert.False(t, seen[id], "unique")
		seen[id] = true
	}
}
