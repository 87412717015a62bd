package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDocumentEscaping(t *testing.T) {
	d := &document{title: "run <x>"}
	d.add(
		heading{2, "a_b"},
		para{"50 % *not* bold, <b>no tag</b>"},
		table{head: []string{"a|b", "n"}, rows: [][]string{{"x | y\nz", "1"}}, right: []bool{false, true}},
		pre{"```inner```\n"},
	)
	cases := []struct {
		name   string
		out    string
		want   []string
		absent []string
	}{
		{"markdown", string(d.markdown()), []string{
			`# run \<x\>`, `## a\_b`, `50 % \*not\* bold, \<b\>no tag\</b\>`,
			`| a\|b | n |`, `|---|---:|`, `| x \| y z | 1 |`, "````\n```inner```\n````",
		}, []string{"<b>"}},
		{"html", string(d.html(nil)), []string{
			"<title>run &lt;x&gt;</title>", "<h2>a_b</h2>", "&lt;b&gt;no tag&lt;/b&gt;",
			"<th>a|b</th>", `<td class="num">1</td>`, "<pre>```inner```</pre>",
		}, []string{"<b>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.want {
				assert.Contains(t, c.out, w)
			}
			for _, a := range c.absent {
				assert.NotContains(t, c.out, a)
			}
		})
	}
}

func TestFigureWithoutImage(t *testing.T) {
	d := &document{title: "t"}
	d.add(figure{file: "x.png", alt: "x"})
	assert.Contains(t, string(d.html(map[string][]byte{})), "(plot x.png missing)")
	assert.Contains(t, string(d.markdown()), "![x](x.png)")
}
