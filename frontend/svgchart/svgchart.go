// Package svgchart draws the small charts of the organizer pages as inline
// SVG on the server: no chart library, no image service, nothing for a
// phone to download but a few hundred bytes of markup. Colours come from
// CSS classes (the pages' stylesheet), so the content security policy
// needs no inline styles. Every chart has a title and a text alternative
// for screen readers, and each bar a tooltip with its exact value.
package svgchart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value float64
	// Text is the value as people read it ("45 %"); the number when empty.
	Text string
	// Class is added to the bar's class, to mark a bar (e.g. "warn").
	Class string
}

func (b Bar) text() string {
	if b.Text != "" {
		return b.Text
	}
	return formatNumber(b.Value)
}

func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// Chart sizes, in SVG units; the SVG scales to its container's width.
const (
	width       = 360
	columnsH    = 180
	axisH       = 22 // below the columns, for labels
	topPad      = 16 // above the tallest column, for its value
	rowH        = 22
	rowLabelW   = 150
	rowValueW   = 48
	minBarWidth = 1
)

// Columns draws vertical bars: a histogram or counts over time. Only every
// labelEvery-th label is written under its bar (all are in the tooltips),
// so sixty bars stay readable on a phone; 0 picks a step.
func Columns(title string, bars []Bar, labelEvery int) template.HTML {
	var b strings.Builder
	h := columnsH + axisH + topPad
	begin(&b, title, bars, width, h)
	if len(bars) == 0 {
		return end(&b)
	}
	top := maxValue(bars)
	slot := float64(width) / float64(len(bars))
	gap := math.Min(slot*0.2, 4)
	if labelEvery <= 0 {
		labelEvery = int(math.Ceil(float64(len(bars)) / 12))
	}
	base := float64(topPad + columnsH)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%.1f" x2="%d" y2="%.1f"/>`, base, width, base)
	for i, bar := range bars {
		x := float64(i)*slot + gap/2
		hgt := 0.0
		if top > 0 {
			hgt = bar.Value / top * columnsH
		}
		if bar.Value > 0 && hgt < minBarWidth {
			hgt = minBarWidth
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			barClass(bar), x, base-hgt, slot-gap, hgt, esc(bar.Label), esc(bar.text()))
		if len(bars) <= 24 && bar.Value > 0 {
			fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`,
				x+(slot-gap)/2, base-hgt-4, esc(bar.text()))
		}
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`,
				x+(slot-gap)/2, base+15, esc(bar.Label))
		}
	}
	return end(&b)
}

// Rows draws horizontal bars with their labels: participation by unit.
func Rows(title string, bars []Bar) template.HTML {
	var b strings.Builder
	h := max(len(bars), 1) * rowH
	begin(&b, title, bars, width, h)
	top := maxValue(bars)
	span := float64(width - rowLabelW - rowValueW)
	for i, bar := range bars {
		y := float64(i * rowH)
		w := 0.0
		if top > 0 {
			w = bar.Value / top * span
		}
		if bar.Value > 0 && w < minBarWidth {
			w = minBarWidth
		}
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			rowLabelW-6, y+rowH*0.68, esc(shorten(bar.Label, 24)))
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			barClass(bar), rowLabelW, y+3, w, float64(rowH-6), esc(bar.Label), esc(bar.text()))
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f">%s</text>`,
			float64(rowLabelW)+w+4, y+rowH*0.68, esc(bar.text()))
	}
	return end(&b)
}

// begin starts the SVG: role img, labelled by its title, with every value
// in a description for screen readers.
func begin(b *strings.Builder, title string, bars []Bar, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="xMidYMid meet">`,
		w, h, esc(title))
	fmt.Fprintf(b, `<title>%s</title><desc>`, esc(title))
	for i, bar := range bars {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(b, "%s: %s", esc(bar.Label), esc(bar.text()))
	}
	b.WriteString(`</desc>`)
}

func end(b *strings.Builder) template.HTML {
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it went through esc
}

func barClass(b Bar) string {
	if b.Class == "" {
		return "bar"
	}
	return "bar " + esc(b.Class)
}

func maxValue(bars []Bar) float64 {
	top := 0.0
	for _, b := range bars {
		top = math.Max(top, b.Value)
	}
	return top
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func esc(s string) string { return template.HTMLEscapeString(s) }
