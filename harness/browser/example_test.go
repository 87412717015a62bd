package browser_test

import (
	"context"
	"fmt"
	"time"

	"echtzeit/harness/browser"
)

// Launch Chromium, open a tab, load the interface and read its snapshot.
// (Not run: it needs a server; see interface/*_test.go.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := browser.Launch(ctx, browser.WithWebRTCTesting())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	page, err := b.NewPage(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer page.Close()
	if err := page.Navigate(ctx, "https://127.0.0.1:8443/?room="+
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"); err != nil {
		fmt.Println(err)
		return
	}
	if err := page.WaitFor(ctx, `window.echtzeit.snapshot().state === "streaming"`, 30*time.Second,
		"JSON.stringify(window.echtzeit.snapshot())"); err != nil {
		fmt.Println(err)
		return
	}
	s, err := page.Snapshot(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, %.0fx%.0f at %.1f fps, Chromium PID %d\n",
		s.State, s.Inbound.FrameWidth, s.Inbound.FrameHeight, s.Derived.FPS, b.PID())
}

// Evaluate JavaScript and decode its value into a Go type.
func ExampleEval() {
	var page *browser.Page // from Browser.NewPage or Shared.Page
	ctx := context.Background()
	size, err := browser.Eval[[]int](ctx, page, `[screen.width, screen.height]`)
	fmt.Println(size, err)
}
