package io.weir.tools.plot;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders latency series as one self-contained SVG (no scripts, no external fonts or images): the percentile
 * distribution of each series on a log scale of 1/(1-p), as HdrHistogram's plotter draws it (0% to at least
 * 99.999%, so that plots of different runs line up), and, for series
 * read from an interval log, latency over time (per-interval p50, p99, max) with checkpoint completions marked.
 * Latency axes are logarithmic; each tick says its unit (ns, µs, ms or s, whichever reads best), as the range of
 * one plot often spans microseconds to seconds. Stateless; any thread.
 */
public final class SvgLatencyPlot
{
    /**
     * One run to draw.
     *
     * @param label    shown in the legend.
     * @param curve    its latency distribution.
     * @param timeline its intervals and checkpoint markers, or null if only the distribution is known.
     */
    public record Series(String label, PercentileCurve curve, IntervalLog timeline)
    {
    }

    /** Okabe-Ito: distinct for the common kinds of colour blindness, all readable on white. */
    static final String[] COLORS = {
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31"};

    private static final int WIDTH = 960;
    private static final int LEFT = 84;
    private static final int RIGHT = 28;
    private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    private static final int HEADING_BASELINE = 64;
    private static final int LEGEND_ROW = 18;
    private static final int DISTRIBUTION_HEIGHT = 400;
    private static final int TIMELINE_GAP = 112;
    private static final int TIMELINE_HEIGHT = 280;
    private static final int BELOW_AXIS = 64;
    private static final int MIN_DECADES = 5;
    private static final int MAX_DECADES = 7;
    private static final double[] STEPS = {1, 2, 5};
    private static final String SEPARATOR = "  \u00b7  ";

    private SvgLatencyPlot()
    {
    }

    /** The SVG document for {@code series}, colours in list order. */
    public static String render(final String title, final List<Series> series)
    {
        if (series.isEmpty())
        {
            throw new IllegalArgumentException("nothing to plot");
        }
        final boolean timelines = series.stream().anyMatch(s -> s.timeline() != null);
        // The legend sits between the heading and the plot, where no curve can run under it.
        final int distributionTop = HEADING_BASELINE + 12 + series.size() * LEGEND_ROW + 8;
        final int timelineTop = distributionTop + DISTRIBUTION_HEIGHT + TIMELINE_GAP;
        final int height = timelines ? timelineTop + TIMELINE_HEIGHT + BELOW_AXIS :
            distributionTop + DISTRIBUTION_HEIGHT + BELOW_AXIS;
        final StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
            .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\">\n");
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append("<style>\n")
            .append("text{font-family:sans-serif;font-size:12px;fill:#222}\n")
            .append(".title{font-size:18px;font-weight:bold}\n")
            .append(".heading{font-size:14px;font-weight:bold}\n")
            .append(".tick{font-size:11px;fill:#444}\n")
            .append(".note{font-size:11px;fill:#666}\n")
            .append(".halo{paint-order:stroke;stroke:#f3f3f3;stroke-width:5px}\n")
            .append(".grid{stroke:#d4d4d4;stroke-width:1}\n")
            .append(".minor{stroke:#ededed;stroke-width:1}\n")
            .append(".frame{fill:none;stroke:#888;stroke-width:1}\n")
            .append(".curve{fill:none;stroke-width:2;stroke-linejoin:round}\n")
            .append("</style>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        svg.append("<text class=\"title\" x=\"").append(LEFT).append("\" y=\"32\">").append(escape(title))
            .append("</text>\n");
        heading(svg, "Latency by percentile", HEADING_BASELINE);
        legend(svg, series, HEADING_BASELINE + 12);
        distribution(svg, series, distributionTop, DISTRIBUTION_HEIGHT);
        if (timelines)
        {
            timeline(svg, series, timelineTop, TIMELINE_HEIGHT);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void distribution(
        final StringBuilder svg, final List<Series> series, final int top, final int height)
    {
        double minNs = Double.MAX_VALUE;
        double maxNs = 0;
        double maxInverse = 1;
        for (final Series s : series)
        {
            final PercentileCurve curve = s.curve();
            for (int i = 0; i < curve.size(); i++)
            {
                if (curve.valuesNs()[i] > 0)
                {
                    minNs = Math.min(minNs, curve.valuesNs()[i]);
                }
                maxNs = Math.max(maxNs, curve.valuesNs()[i]);
                if (curve.percentiles()[i] < 1)
                {
                    maxInverse = Math.max(maxInverse, 1 / (1 - curve.percentiles()[i]));
                }
            }
        }
        final int decades = Math.max(MIN_DECADES, Math.min(MAX_DECADES, (int)Math.ceil(Math.log10(maxInverse) - 1e-9)));
        final LogAxis y = LogAxis.of(minNs == Double.MAX_VALUE ? 1000 : minNs, Math.max(maxNs, 1), top + height, top);
        clip(svg, "distribution", top, height);

        // x: log10(1 / (1 - p)), one decade per "nine": 0%, 90%, 99%, ...
        final double pixelsPerDecade = (double)PLOT_WIDTH / decades;
        for (int decade = 0; decade <= decades; decade++)
        {
            final double x = LEFT + decade * pixelsPerDecade;
            if (decade > 0)
            {
                line(svg, "grid", x, top, x, top + height);
            }
            text(svg, "tick", x, top + height + 18, "middle", percentLabel(decade));
            if (decade < decades)
            {
                for (final int minor : new int[]{2, 5})
                {
                    final double mx = x + Math.log10(minor) * pixelsPerDecade;
                    line(svg, "minor", mx, top, mx, top + height);
                }
            }
        }
        final double medianX = LEFT + Math.log10(2) * pixelsPerDecade;
        text(svg, "tick", medianX, top + height + 18, "middle", "50%");
        yGrid(svg, y, top, height);
        frame(svg, top, height);
        text(svg, "", LEFT + PLOT_WIDTH / 2.0, top + height + 42, "middle",
            "Percentile (log scale of 1/(1\u2212p): each step right is one more nine)");

        svg.append("<g clip-path=\"url(#distribution)\">\n");
        for (int index = 0; index < series.size(); index++)
        {
            final PercentileCurve curve = series.get(index).curve();
            final StringBuilder path = new StringBuilder();
            for (int i = 0; i < curve.size(); i++)
            {
                final double p = curve.percentiles()[i];
                if (p >= 1 || curve.valuesNs()[i] <= 0)
                {
                    continue; // 100% has no place on this axis, nor 0 ns on a log one
                }
                final double x = LEFT + Math.log10(1 / (1 - p)) * pixelsPerDecade;
                path.append(path.length() == 0 ? "M" : " L").append(fmt(x)).append(' ')
                    .append(fmt(y.pixel(curve.valuesNs()[i])));
            }
            if (path.length() > 0)
            {
                svg.append("<path class=\"curve\" stroke=\"").append(color(index)).append("\"")
                    .append(dash(index)).append(" d=\"").append(path).append("\"><title>")
                    .append(escape(series.get(index).label())).append("</title></path>\n");
            }
        }
        svg.append("</g>\n");
    }

    /** One row per series under the heading: colour, label, and its p50, p99, p99.9, max and sample count. */
    private static void legend(final StringBuilder svg, final List<Series> series, final int top)
    {
        for (int index = 0; index < series.size(); index++)
        {
            final PercentileCurve curve = series.get(index).curve();
            final String stats = curve.size() == 0 ? "no samples" :
                "p50 " + duration(curve.valueAtNs(0.5)) + SEPARATOR + "p99 " + duration(curve.valueAtNs(0.99)) +
                SEPARATOR + "p99.9 " + duration(curve.valueAtNs(0.999)) + SEPARATOR + "max " +
                duration(curve.maxNs()) + (curve.totalCount() == 0 ? "" :
                String.format(Locale.ROOT, SEPARATOR + "%,d samples", curve.totalCount()));
            final double rowY = top + 13 + index * LEGEND_ROW;
            svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(fmt(rowY - 4))
                .append("\" x2=\"").append(LEFT + 26).append("\" y2=\"").append(fmt(rowY - 4))
                .append("\" stroke=\"").append(color(index)).append("\" stroke-width=\"3\"")
                .append(dash(index)).append("/>\n");
            svg.append("<text x=\"").append(LEFT + 34).append("\" y=\"").append(fmt(rowY)).append("\">")
                .append("<tspan font-weight=\"bold\">").append(escape(series.get(index).label()))
                .append("</tspan><tspan class=\"note\" dx=\"12\">").append(escape(stats))
                .append("</tspan></text>\n");
        }
    }

    private static void timeline(final StringBuilder svg, final List<Series> series, final int top, final int height)
    {
        double minNs = Double.MAX_VALUE;
        double maxNs = 0;
        double endSec = 0;
        int checkpoints = 0;
        for (final Series s : series)
        {
            if (s.timeline() == null)
            {
                continue;
            }
            for (final IntervalLog.Interval interval : s.timeline().intervals())
            {
                endSec = Math.max(endSec, interval.startSec() + interval.lengthSec());
                if (interval.p50Ns() > 0)
                {
                    minNs = Math.min(minNs, interval.p50Ns());
                }
                maxNs = Math.max(maxNs, interval.maxNs());
            }
            for (final IntervalLog.Marker marker : s.timeline().markers())
            {
                endSec = Math.max(endSec, marker.timeSec());
                checkpoints++;
            }
        }
        final LogAxis y = LogAxis.of(minNs == Double.MAX_VALUE ? 1000 : minNs, Math.max(maxNs, 1), top + height, top);
        final double step = niceStep(Math.max(endSec, 1) / 10);
        final double spanSec = Math.ceil(Math.max(endSec, 1) / step - 1e-9) * step;
        final double pixelsPerSec = PLOT_WIDTH / spanSec;

        heading(svg, "Latency over time (per interval)", top - 38);
        timelineKey(svg, top - 38, checkpoints);
        clip(svg, "timeline", top, height);
        final List<IntervalLog> logs = series.stream().map(Series::timeline).filter(t -> t != null).toList();
        final double unrecordedWidth = logs.size() == 1 ? unrecordedStartSec(logs.get(0)) * pixelsPerSec : 0;
        if (unrecordedWidth >= 8)
        {
            svg.append("<rect x=\"").append(LEFT).append("\" y=\"").append(top).append("\" width=\"")
                .append(fmt(unrecordedWidth)).append("\" height=\"").append(height)
                .append("\" fill=\"#f3f3f3\"/>\n");
        }
        final long ticks = Math.round(spanSec / step);
        for (long tick = 0; tick <= ticks; tick++)
        {
            final double x = LEFT + tick * step * pixelsPerSec;
            if (tick > 0)
            {
                line(svg, "grid", x, top, x, top + height);
            }
            text(svg, "tick", x, top + height + 18, "middle", number(tick * step));
        }
        yGrid(svg, y, top, height);
        text(svg, "", LEFT + PLOT_WIDTH / 2.0, top + height + 42, "middle", "Time since start (s)");

        if (unrecordedWidth >= 110)
        {
            text(svg, "note halo", LEFT + unrecordedWidth / 2, top + height / 2.0, "middle", "no samples");
            text(svg, "note halo", LEFT + unrecordedWidth / 2, top + height / 2.0 + 14, "middle", "(warm-up)");
        }
        svg.append("<g clip-path=\"url(#timeline)\">\n");
        for (int index = 0; index < series.size(); index++)
        {
            final IntervalLog log = series.get(index).timeline();
            if (log == null)
            {
                continue;
            }
            final String color = color(index);
            metric(svg, log, color, "p50", "stroke-width=\"1.4\" stroke-dasharray=\"6 3\"", y, pixelsPerSec,
                IntervalLog.Interval::p50Ns);
            metric(svg, log, color, "max", "stroke-width=\"1.2\" stroke-dasharray=\"1.5 2.5\"", y, pixelsPerSec,
                IntervalLog.Interval::maxNs);
            metric(svg, log, color, "p99", "stroke-width=\"2\"", y, pixelsPerSec, IntervalLog.Interval::p99Ns);
        }
        svg.append("</g>\n");
        frame(svg, top, height);
        for (int index = 0; index < series.size(); index++)
        {
            final IntervalLog log = series.get(index).timeline();
            if (log != null)
            {
                markers(svg, log, series.get(index).label(), color(index), top, height, pixelsPerSec);
            }
        }
    }

    /** The line styles of the time panel, on the heading's line, right-aligned. */
    private static void timelineKey(final StringBuilder svg, final int baseline, final int checkpoints)
    {
        double x = LEFT + PLOT_WIDTH - (checkpoints > 0 ? 440 : 250);
        final String[][] keys = {
            {"p99", "stroke-width=\"2\""},
            {"p50", "stroke-width=\"1.4\" stroke-dasharray=\"6 3\""},
            {"max", "stroke-width=\"1.2\" stroke-dasharray=\"1.5 2.5\""}};
        for (final String[] key : keys)
        {
            svg.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(baseline - 4).append("\" x2=\"")
                .append(fmt(x + 28)).append("\" y2=\"").append(baseline - 4).append("\" stroke=\"#444\" ")
                .append(key[1]).append("/>\n");
            text(svg, "", x + 34, baseline, "start", key[0]);
            x += 80;
        }
        if (checkpoints > 0)
        {
            svg.append("<path d=\"").append(triangle(x + 6, baseline - 4)).append("\" fill=\"#444\"/>\n");
            svg.append("<line x1=\"").append(fmt(x + 6)).append("\" y1=\"").append(baseline - 4).append("\" x2=\"")
                .append(fmt(x + 6)).append("\" y2=\"").append(baseline + 5)
                .append("\" stroke=\"#444\" stroke-dasharray=\"2 2\"/>\n");
            text(svg, "", x + 16, baseline, "start", "checkpoint completed (id)");
        }
    }

    private static void metric(
        final StringBuilder svg,
        final IntervalLog log,
        final String color,
        final String name,
        final String style,
        final LogAxis y,
        final double pixelsPerSec,
        final java.util.function.ToDoubleFunction<IntervalLog.Interval> value)
    {
        final StringBuilder path = new StringBuilder();
        final StringBuilder dots = new StringBuilder();
        final boolean sparse = log.intervals().stream().filter(i -> i.count() > 0).count() < 30;
        boolean gap = true;
        for (final IntervalLog.Interval interval : log.intervals())
        {
            if (interval.count() == 0 || value.applyAsDouble(interval) <= 0)
            {
                gap = true;
                continue;
            }
            final double x = LEFT + (interval.startSec() + interval.lengthSec() / 2) * pixelsPerSec;
            final double py = y.pixel(value.applyAsDouble(interval));
            path.append(path.length() == 0 ? "" : " ").append(gap ? "M" : "L").append(fmt(x)).append(' ')
                .append(fmt(py));
            gap = false;
            if (sparse)
            {
                dots.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(py))
                    .append("\" r=\"2.2\" fill=\"").append(color).append("\"/>");
            }
        }
        if (path.length() > 0)
        {
            svg.append("<path fill=\"none\" stroke=\"").append(color).append("\" ").append(style).append(" d=\"")
                .append(path).append("\"><title>").append(name).append("</title></path>\n");
            if (dots.length() > 0)
            {
                svg.append(dots).append('\n');
            }
        }
    }

    /** Where the first interval holding samples starts (before it, a warm-up left out of the histogram). */
    private static double unrecordedStartSec(final IntervalLog log)
    {
        for (final IntervalLog.Interval interval : log.intervals())
        {
            if (interval.count() > 0)
            {
                return interval.startSec();
            }
        }
        return 0;
    }

    private static void markers(
        final StringBuilder svg,
        final IntervalLog log,
        final String label,
        final String color,
        final int top,
        final int height,
        final double pixelsPerSec)
    {
        double lastLabelX = Double.NEGATIVE_INFINITY;
        // Past one marker per 20 pixels, lines through the panel would hatch it: the triangles alone show when.
        final boolean lines = log.markers().size() * 20 <= PLOT_WIDTH;
        for (final IntervalLog.Marker marker : log.markers())
        {
            final double x = LEFT + marker.timeSec() * pixelsPerSec;
            svg.append("<g><title>").append(escape(label)).append(": checkpoint ").append(marker.checkpointId())
                .append(" completed at ").append(String.format(Locale.ROOT, "%.3f s", marker.timeSec()))
                .append(marker.text().isEmpty() ? "" : ", " + escape(marker.text())).append("</title>");
            if (lines)
            {
                svg.append("<line x1=\"").append(fmt(x)).append("\" y1=\"").append(top).append("\" x2=\"")
                    .append(fmt(x)).append("\" y2=\"").append(top + height).append("\" stroke=\"").append(color)
                    .append("\" stroke-opacity=\"0.45\" stroke-dasharray=\"3 3\"/>");
            }
            svg.append("<path d=\"").append(triangle(x, top)).append("\" fill=\"").append(color).append("\"/>");
            final String id = Long.toString(marker.checkpointId());
            if (x - lastLabelX >= 8 + 7 * id.length())
            {
                svg.append("<text class=\"tick\" x=\"").append(fmt(x)).append("\" y=\"").append(top - 10)
                    .append("\" text-anchor=\"middle\">").append(id).append("</text>");
                lastLabelX = x;
            }
            svg.append("</g>\n");
        }
    }

    private static String triangle(final double x, final double bottom)
    {
        return "M" + fmt(x - 4.5) + " " + fmt(bottom - 8) + " L" + fmt(x + 4.5) + " " + fmt(bottom - 8) + " L" +
            fmt(x) + " " + fmt(bottom) + " Z";
    }

    private static void yGrid(final StringBuilder svg, final LogAxis y, final int top, final int height)
    {
        for (final double value : y.ticks())
        {
            final double py = y.pixel(value);
            line(svg, y.major(value) ? "grid" : "minor", LEFT, py, LEFT + PLOT_WIDTH, py);
            if (y.labelled(value))
            {
                text(svg, "tick", LEFT - 8, py + 4, "end", duration(value));
            }
        }
        final double middle = top + height / 2.0;
        svg.append("<text x=\"22\" y=\"").append(fmt(middle))
            .append("\" text-anchor=\"middle\" transform=\"rotate(-90 22 ").append(fmt(middle))
            .append(")\">Latency (log scale)</text>\n");
    }

    private static void heading(final StringBuilder svg, final String text, final int baseline)
    {
        text(svg, "heading", LEFT, baseline, "start", text);
    }

    private static void clip(final StringBuilder svg, final String id, final int top, final int height)
    {
        svg.append("<clipPath id=\"").append(id).append("\"><rect x=\"").append(LEFT).append("\" y=\"").append(top)
            .append("\" width=\"").append(PLOT_WIDTH).append("\" height=\"").append(height)
            .append("\"/></clipPath>\n");
    }

    private static void frame(final StringBuilder svg, final int top, final int height)
    {
        svg.append("<rect class=\"frame\" x=\"").append(LEFT).append("\" y=\"").append(top).append("\" width=\"")
            .append(PLOT_WIDTH).append("\" height=\"").append(height).append("\"/>\n");
    }

    private static void line(
        final StringBuilder svg, final String cssClass, final double x1, final double y1, final double x2,
        final double y2)
    {
        svg.append("<line class=\"").append(cssClass).append("\" x1=\"").append(fmt(x1)).append("\" y1=\"")
            .append(fmt(y1)).append("\" x2=\"").append(fmt(x2)).append("\" y2=\"").append(fmt(y2)).append("\"/>\n");
    }

    private static void text(
        final StringBuilder svg, final String cssClass, final double x, final double y, final String anchor,
        final String text)
    {
        svg.append("<text");
        if (!cssClass.isEmpty())
        {
            svg.append(" class=\"").append(cssClass).append('"');
        }
        svg.append(" x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append('"');
        if (!anchor.equals("start"))
        {
            svg.append(" text-anchor=\"").append(anchor).append('"');
        }
        svg.append('>').append(escape(text)).append("</text>\n");
    }

    static String color(final int index)
    {
        return COLORS[index % COLORS.length];
    }

    /** Past the palette, colours repeat with a dash so that series stay apart. */
    private static String dash(final int index)
    {
        return index < COLORS.length ? "" : " stroke-dasharray=\"8 3\"";
    }

    /** 0%, 90%, 99%, 99.9%, ... for decade 0, 1, 2, 3, ... of 1/(1-p). */
    static String percentLabel(final int decade)
    {
        if (decade == 0)
        {
            return "0%";
        }
        if (decade == 1)
        {
            return "90%";
        }
        return "99" + (decade > 2 ? "." + "9".repeat(decade - 2) : "") + "%";
    }

    /** A latency with its unit, three significant digits: "850 ns", "12.3 µs", "1.45 ms". */
    static String duration(final double ns)
    {
        if (ns < 1_000)
        {
            return significant(ns) + " ns";
        }
        if (ns < 1_000_000)
        {
            return significant(ns / 1e3) + " \u00b5s";
        }
        if (ns < 1_000_000_000)
        {
            return significant(ns / 1e6) + " ms";
        }
        return significant(ns / 1e9) + " s";
    }

    private static String significant(final double value)
    {
        return new java.math.BigDecimal(value).round(new java.math.MathContext(3)).stripTrailingZeros()
            .toPlainString();
    }

    private static String number(final double value)
    {
        return new DecimalFormat("#,##0.####", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(value);
    }

    /** The step of 1, 2 or 5 times a power of ten nearest above {@code rough}. */
    static double niceStep(final double rough)
    {
        final double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (final double step : STEPS)
        {
            if (step * power >= rough * (1 - 1e-9))
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String fmt(final double value)
    {
        final long tenths = Math.round(value * 10);
        return tenths % 10 == 0 ? Long.toString(tenths / 10) : (tenths / 10) + "." + Math.abs(tenths % 10);
    }

    static String escape(final String text)
    {
        final StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                default -> escaped.append(c < 0x20 && c != '\t' ? ' ' : c);
            }
        }
        return escaped.toString();
    }

    /**
     * A logarithmic latency axis. Across a wide range it runs from a 1-2-5 value at or below the smallest value
     * to one at or above the largest, with ticks at 1, 2 and 5 per decade; across a narrow range (under a factor
     * of five) at evenly spaced ticks of a 1-2-5 step, so that it still has several.
     */
    record LogAxis(double lowNs, double highNs, double linearStepNs, double bottomPixel, double topPixel)
    {
        static LogAxis of(final double minNs, final double maxNs, final double bottomPixel, final double topPixel)
        {
            final double min = Math.max(minNs, 1e-3);
            final double max = Math.max(maxNs, min);
            double low = stepAtOrBelow(min);
            double high = niceStep(max);
            double linearStep = 0;
            if (high / low <= 5 * (1 + 1e-9))
            {
                linearStep = niceStep(Math.max(max - min, max * 0.05) / 5);
                low = Math.floor(min / linearStep * (1 + 1e-9)) * linearStep;
                high = Math.ceil(max / linearStep * (1 - 1e-9)) * linearStep;
                if (low <= 0)
                {
                    low = linearStep;
                }
                if (high <= low)
                {
                    high = low + linearStep;
                }
            }
            return new LogAxis(low, high, linearStep, bottomPixel, topPixel);
        }

        double pixel(final double valueNs)
        {
            final double fraction = (Math.log10(Math.max(valueNs, lowNs / 10)) - Math.log10(lowNs)) /
                (Math.log10(highNs) - Math.log10(lowNs));
            return bottomPixel - fraction * (bottomPixel - topPixel);
        }

        List<Double> ticks()
        {
            final List<Double> ticks = new ArrayList<>();
            if (linearStepNs > 0)
            {
                final long first = Math.round(lowNs / linearStepNs);
                final long last = Math.round(highNs / linearStepNs);
                for (long i = first; i <= last; i++)
                {
                    ticks.add(i * linearStepNs);
                }
                return ticks;
            }
            for (int exponent = (int)Math.floor(Math.log10(lowNs)) - 1; exponent <= Math.ceil(Math.log10(highNs));
                exponent++)
            {
                for (final double step : STEPS)
                {
                    final double value = step * Math.pow(10, exponent);
                    if (value >= lowNs * (1 - 1e-9) && value <= highNs * (1 + 1e-9))
                    {
                        ticks.add(value);
                    }
                }
            }
            return ticks;
        }

        /** Decades get a stronger gridline; evenly spaced ticks all do. */
        boolean major(final double valueNs)
        {
            if (linearStepNs > 0)
            {
                return true;
            }
            final double exponent = Math.log10(valueNs);
            return Math.abs(exponent - Math.round(exponent)) < 1e-9;
        }

        /** Minor ticks are labelled while a decade is tall enough for three labels. */
        boolean labelled(final double valueNs)
        {
            return major(valueNs) || (bottomPixel - topPixel) / (Math.log10(highNs) - Math.log10(lowNs)) >= 60;
        }

        private static double stepAtOrBelow(final double value)
        {
            final double power = Math.pow(10, Math.floor(Math.log10(value)));
            double best = power;
            for (final double step : STEPS)
            {
                if (step * power <= value * (1 + 1e-9))
                {
                    best = step * power;
                }
            }
            return best;
        }
    }
}
