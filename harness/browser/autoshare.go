package browser

import "context"

// AutoShareScript makes the page honour ?send=camera without asking the person
// (interface/README.md "Sharing from a link"). It defines
// window.__echtzeitAutoShare before the page's own scripts run: only a DevTools
// client can do that, never a link, a frame or another site, which is why the
// page trusts it.
const AutoShareScript = `Object.defineProperty(window, "__echtzeitAutoShare", {value: true});`

// AllowAutoShare makes every document the page loads from now on share the
// camera at once when its URL says send=camera. Call it before Navigate. For
// the harness's sender pages and tests only: a person's page always asks.
func (p *Page) AllowAutoShare(ctx context.Context) error {
	return p.AddInitScript(ctx, AutoShareScript)
}
