package reports

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

// document is the report as a list of blocks, written out as Markdown and as
// HTML from the same content so the two never disagree.
type document struct {
	title  string
	blocks []block
}

type block interface {
	markdown(b *bytes.Buffer)
	html(b *bytes.Buffer, images map[string][]byte)
}

func (d *document) add(bs ...block) { d.blocks = append(d.blocks, bs...) }

// heading is a section title, level 2 or 3 (the title is level 1).
type heading struct {
	level int
	text  string
}

// para is a paragraph of plain text.
type para struct{ text string }

// list is a bulleted list of plain text items.
type list struct{ items []string }

// table is a table with a header row. Columns listed in right are right-aligned
// (numbers).
type table struct {
	head  []string
	rows  [][]string
	right []bool
}

// figure is a PNG of the run folder, linked by name in Markdown and embedded as a
// data URI in HTML.
type figure struct {
	file, alt string
}

// pre is preformatted text (logs, the scenario file).
type pre struct{ text string }

func (d *document) markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", mdEscape(d.title))
	for _, bl := range d.blocks {
		b.WriteByte('\n')
		bl.markdown(&b)
	}
	return b.Bytes()
}

func (h heading) markdown(b *bytes.Buffer) {
	fmt.Fprintf(b, "%s %s\n", strings.Repeat("#", h.level), mdEscape(h.text))
}

func (p para) markdown(b *bytes.Buffer) { fmt.Fprintf(b, "%s\n", mdEscape(p.text)) }

func (l list) markdown(b *bytes.Buffer) {
	for _, it := range l.items {
		fmt.Fprintf(b, "- %s\n", mdEscape(it))
	}
}

func (t table) markdown(b *bytes.Buffer) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			fmt.Fprintf(b, " %s |", mdCell(c))
		}
		b.WriteString("\n")
	}
	row(t.head)
	b.WriteString("|")
	for i := range t.head {
		if i < len(t.right) && t.right[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		row(r)
	}
}

func (im figure) markdown(b *bytes.Buffer) {
	fmt.Fprintf(b, "![%s](%s)\n", mdEscape(im.alt), im.file)
}

func (p pre) markdown(b *bytes.Buffer) {
	fence := "```"
	for strings.Contains(p.text, fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%s\n%s\n%s\n", fence, strings.TrimRight(p.text, "\n"), fence)
}

// mdEscape keeps text from being read as Markdown markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)
	return r.Replace(s)
}

// mdCell escapes a table cell: pipes and line breaks too.
func mdCell(s string) string {
	s = mdEscape(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

const css = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}h3{margin-top:1.6rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.85rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}tr:nth-child(even) td{background:#fafafa}
.scroll{overflow-x:auto}img{max-width:100%;height:auto;border:1px solid #ddd;margin:.5rem 0}pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.8rem}`

func (d *document) html(images map[string][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n", html.EscapeString(d.title), css)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(d.title))
	for _, bl := range d.blocks {
		bl.html(&b, images)
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes()
}

func (h heading) html(b *bytes.Buffer, _ map[string][]byte) {
	fmt.Fprintf(b, "<h%d>%s</h%d>\n", h.level, html.EscapeString(h.text), h.level)
}

func (p para) html(b *bytes.Buffer, _ map[string][]byte) {
	fmt.Fprintf(b, "<p>%s</p>\n", html.EscapeString(p.text))
}

func (l list) html(b *bytes.Buffer, _ map[string][]byte) {
	b.WriteString("<ul>\n")
	for _, it := range l.items {
		fmt.Fprintf(b, "<li>%s</li>\n", html.EscapeString(it))
	}
	b.WriteString("</ul>\n")
}

func (t table) html(b *bytes.Buffer, _ map[string][]byte) {
	b.WriteString("<div class=\"scroll\"><table>\n<thead><tr>")
	for _, h := range t.head {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.rows {
		b.WriteString("<tr>")
		for i, c := range r {
			if i < len(t.right) && t.right[i] {
				fmt.Fprintf(b, "<td class=\"num\">%s</td>", html.EscapeString(c))
			} else {
				fmt.Fprintf(b, "<td>%s</td>", html.EscapeString(c))
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table></div>\n")
}

func (im figure) html(b *bytes.Buffer, images map[string][]byte) {
	data, ok := images[im.file]
	if !ok {
		fmt.Fprintf(b, "<p>(plot %s missing)</p>\n", html.EscapeString(im.file))
		return
	}
	fmt.Fprintf(b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"></figure>\n",
		html.EscapeString(im.alt), base64.StdEncoding.EncodeToString(data))
}

func (p pre) html(b *bytes.Buffer, _ map[string][]byte) {
	fmt.Fprintf(b, "<pre>%s</pre>\n", html.EscapeString(strings.TrimRight(p.text, "\n")))
}
