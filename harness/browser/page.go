package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ConsoleMessage is one line of a page's console: a console API call, an
// uncaught exception (Type "exception") or a browser log entry.
type ConsoleMessage = chromedp.ConsoleMessage

// Page is one tab of a Browser, in its own window so that it is rendered
// (animation frames, requestVideoFrameCallback) while other tabs are open.
// A Page is not safe for concurrent use; open one per goroutine.
type Page struct {
	browser *Browser
	ctx     context.Context // chromedp context of the tab
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the console reader

	mu              sync.Mutex
	console         []ConsoleMessage
	allowExceptions bool
}

// maxConsole bounds the messages a page keeps; the oldest are dropped.
const maxConsole = 5000

// NewPage opens a blank tab. ctx bounds the opening only. Console messages
// and exceptions are recorded from then on.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	if b.closed() {
		return nil, ErrClosed
	}
	tctx, cancel := chromedp.NewContext(b.ctx)
	p := &Page{browser: b, ctx: tctx, cancel: cancel}
	stop := context.AfterFunc(ctx, cancel)
	err := chromedp.Do(tctx)
	stop()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = p.quiet(ctx)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open tab: %w", err)
	}
	messages := chromedp.Console(tctx)
	b.pages.Add(1)
	p.wg.Go(func() {
		defer b.pages.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			if len(p.console) >= maxConsole {
				p.console = append(p.console[:0], p.console[1:]...)
			}
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	})
	return p, nil
}

// quiet turns off the DevTools domains that chromedp enables on every tab
// and the harness does not use: Network, DOM and CSS. With them on, the
// browser reports every request, node and style sheet of the page over the
// DevTools connection while the page loads, which delays the document the
// harness measures (DESIGN.md "Setup phases"). Page, Runtime and Log stay on:
// navigation, evaluation and the console need them.
func (p *Page) quiet(ctx context.Context) error {
	_, err := run(ctx, p, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for _, disable := range []cdp.Command[cdp.Empty, cdp.Empty]{css.Disable, dom.Disable, network.Disable} {
			if _, err := cdp.Call(ctx, t, disable, cdp.Empty{}); err != nil {
				return chromedp.Void{}, fmt.Errorf("%s: %w", disable.Method, err)
			}
		}
		return chromedp.Void{}, nil
	})
	return err
}

// Context returns the page's chromedp context, for chromedp actions this
// package does not wrap: chromedp.Run(page.Context(), action). Derive a
// context with a timeout from it to bound one action.
func (p *Page) Context() context.Context { return p.ctx }

// Browser returns the browser the page belongs to.
func (p *Page) Browser() *Browser { return p.browser }

// run runs action on the tab, bounded by ctx as well as the tab's life.
func run[T any](ctx context.Context, p *Page, action chromedp.Action[T]) (T, error) {
	actx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	v, err := chromedp.Run(actx, action)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return v, err
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(ctx context.Context, url string) error {
	if _, err := run(ctx, p, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("navigate to %s: %w", url, err)
	}
	return nil
}

// AddInitScript runs js in every document the page loads from now on,
// before the document's own scripts (Page.addScriptToEvaluateOnNewDocument).
// Tests use it to observe what a page sends.
func (p *Page) AddInitScript(ctx context.Context, js string) error {
	_, err := run(ctx, p, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return chromedp.Void{}, err
	})
	if err != nil {
		return fmt.Errorf("add init script: %w", err)
	}
	return nil
}

// Eval evaluates the JavaScript expression js in the page, awaits it when it
// is a promise, and decodes its JSON value into T. A thrown exception is an
// error.
func Eval[T any](ctx context.Context, p *Page, js string) (T, error) {
	raw, err := run(ctx, p, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	var v T
	if err != nil {
		return v, fmt.Errorf("evaluate %s: %w", abbreviate(js), err)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("evaluate %s: decode %s: %w", abbreviate(js), abbreviate(string(raw)), err)
	}
	return v, nil
}

// Do evaluates js for its side effects, awaiting a returned promise.
func (p *Page) Do(ctx context.Context, js string) error {
	_, err := Eval[json.RawMessage](ctx, p, js)
	return err
}

// WaitFor evaluates the JavaScript expression cond every interval (100 ms)
// until it is truthy, until timeout passes or ctx ends. An exception thrown
// by cond counts as false (the page may still be loading). On timeout the
// error wraps ErrTimeout and shows the value of describe (a JavaScript
// expression, e.g. "JSON.stringify(window.echtzeit.snapshot())"; empty for
// none) to say why.
func (p *Page) WaitFor(ctx context.Context, cond string, timeout time.Duration, describe string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	expr := "(() => { try { return !!(" + cond + "); } catch (e) { return false; } })()"
	const interval = 100 * time.Millisecond
	var lastErr error
	for {
		ok, err := Eval[bool](ctx, p, expr)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		if p.ctx.Err() != nil {
			return fmt.Errorf("wait for %s: page closed: %w", abbreviate(cond), p.ctx.Err())
		}
		select {
		case <-ctx.Done():
			return p.timeoutError(cond, describe, timeout, lastErr)
		case <-time.After(interval):
		}
	}
}

func (p *Page) timeoutError(cond, describe string, timeout time.Duration, lastErr error) error {
	err := fmt.Errorf("wait %s for %s: %w", timeout, abbreviate(cond), ErrTimeout)
	if describe != "" {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if v, derr := Eval[json.RawMessage](dctx, p, describe); derr == nil {
			err = fmt.Errorf("%w; %s = %s", err, abbreviate(describe), v)
		}
	}
	if lastErr != nil {
		err = fmt.Errorf("%w; last error: %w", err, lastErr)
	}
	return err
}

// Screenshot captures the visible part of the page as PNG.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	b, err := run(ctx, p, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return b, nil
}

// Console returns a copy of the console messages recorded so far.
func (p *Page) Console() []ConsoleMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ConsoleMessage(nil), p.console...)
}

// Exceptions returns the uncaught exceptions and unhandled promise
// rejections recorded so far.
func (p *Page) Exceptions() []ConsoleMessage {
	var out []ConsoleMessage
	for _, m := range p.Console() {
		if m.IsException() {
			out = append(out, m)
		}
	}
	return out
}

// ConsoleText formats the recorded console as lines "time type: text (url:line)".
func (p *Page) ConsoleText() string {
	var sb strings.Builder
	for _, m := range p.Console() {
		fmt.Fprintf(&sb, "%s %s: %s", m.Time.UTC().Format("15:04:05.000"), m.Type, m.Text)
		if m.URL != "" {
			fmt.Fprintf(&sb, " (%s:%d)", m.URL, m.Line+1)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// AllowExceptions marks the page's uncaught JavaScript exceptions as
// expected: browsertest then does not fail the test for them (for tests that
// provoke them).
func (p *Page) AllowExceptions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowExceptions = true
}

// ExceptionsAllowed reports whether AllowExceptions was called.
func (p *Page) ExceptionsAllowed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.allowExceptions
}

// Close closes the tab and waits for its console reader.
func (p *Page) Close() error {
	p.cancel()
	p.wg.Wait()
	err := context.Cause(p.ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
