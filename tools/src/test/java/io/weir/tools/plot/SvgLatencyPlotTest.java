package io.weir.tools.plot;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgLatencyPlotTest
{
    @TempDir
    Path dir;

    static Document parse(final String svg) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<String> texts(final Document document)
    {
        final List<String> texts = new ArrayList<>();
        final NodeList nodes = document.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        for (int i = 0; i < nodes.getLength(); i++)
        {
            texts.add(nodes.item(i).getTextContent());
        }
        return texts;
    }

    static List<Element> elements(final Document document, final String name)
    {
        final List<Element> elements = new ArrayList<>();
        final NodeList nodes = document.getElementsByTagNameNS("http://www.w3.org/2000/svg", name);
        for (int i = 0; i < nodes.getLength(); i++)
        {
            elements.add((Element)nodes.item(i));
        }
        return elements;
    }

    @Test
    void shouldDrawEverySeriesWithLegendAxesAndCheckpointMarkersAsWellFormedSelfContainedSvg() throws Exception
    {
        final IntervalLog log = IntervalLog.read(IntervalLogTest.writeLog(dir.resolve("run.hlog")));
        final Histogram floor = new Histogram(3);
        for (long i = 1; i <= 1_000_000; i++)
        {
            floor.recordValue(2_000 + i % 5_000);
        }
        final String svg = SvgLatencyPlot.render("Weir & the floor <test>", List.of(
            new SvgLatencyPlot.Series("weir <run.hlog>", log.curve(), log),
            new SvgLatencyPlot.Series("floor.hgrm", PercentileCurve.of(floor), null)));
        final Document document = parse(svg);

        assertEquals("svg", document.getDocumentElement().getLocalName());
        assertFalse(svg.contains("<script"), "no scripts");
        assertFalse(svg.contains("href"), "no links to anything outside");
        assertFalse(svg.contains("@import") || svg.contains("@font-face"), "no external fonts");

        final List<String> texts = texts(document);
        assertTrue(texts.contains("Weir & the floor <test>"), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("weir <run.hlog>") && t.contains("p99 ") &&
            t.contains("303 samples")), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("floor.hgrm") && t.contains("1,000,000 samples")),
            texts.toString());
        for (final String tick : List.of("0%", "50%", "90%", "99%", "99.9%", "99.99%", "99.999%"))
        {
            assertTrue(texts.contains(tick), tick + " in " + texts);
        }
        assertTrue(texts.contains("Latency (log scale)"), texts.toString());
        assertTrue(texts.containsAll(List.of("2 \u00b5s", "10 \u00b5s", "100 \u00b5s", "1 ms")), texts.toString());
        assertTrue(texts.contains("Time since start (s)"), texts.toString());
        assertTrue(texts.containsAll(List.of("p50", "p99", "max", "checkpoint completed (id)")), texts.toString());

        final List<String> strokes = elements(document, "path").stream().map(e -> e.getAttribute("stroke")).toList();
        assertTrue(strokes.contains(SvgLatencyPlot.color(0)) && strokes.contains(SvgLatencyPlot.color(1)),
            strokes.toString());
        final List<String> titles = elements(document, "title").stream().map(Element::getTextContent).toList();
        for (int id = 1; id <= 3; id++)
        {
            final String prefix = "weir <run.hlog>: checkpoint " + id + " completed at " + (id - 1) + ".500 s";
            assertTrue(titles.stream().anyMatch(t -> t.startsWith(prefix)), prefix + " in " + titles);
            assertTrue(texts.contains(Integer.toString(id)), "marker label " + id);
        }
    }

    @Test
    void shouldKeepEveryPointInsideItsPanelAndLeaveOutZeroLatencies() throws Exception
    {
        final Histogram withZeros = new Histogram(3);
        withZeros.recordValueWithCount(0, 10);
        for (long i = 1; i <= 1_000; i++)
        {
            withZeros.recordValue(i * 1_000);
        }
        final IntervalLog log = IntervalLog.read(IntervalLogTest.writeLog(dir.resolve("run.hlog")));
        final Document document = parse(SvgLatencyPlot.render("zeros", List.of(
            new SvgLatencyPlot.Series("zeros", PercentileCurve.of(withZeros), null),
            new SvgLatencyPlot.Series("log", log.curve(), log))));

        final List<Element> frames = elements(document, "rect").stream()
            .filter(e -> e.getAttribute("class").equals("frame")).toList();
        assertEquals(2, frames.size(), "two panels");
        int points = 0;
        for (final Element path : elements(document, "path"))
        {
            final String d = path.getAttribute("d");
            if (path.getAttribute("fill").equals("none") || path.getAttribute("class").equals("curve"))
            {
                final Element frame = path.getAttribute("class").equals("curve") ? frames.get(0) : frames.get(1);
                final double top = Double.parseDouble(frame.getAttribute("y"));
                final double bottom = top + Double.parseDouble(frame.getAttribute("height"));
                final String[] coordinates = d.replaceAll("[ML]", " ").trim().split("\\s+");
                for (int i = 1; i < coordinates.length; i += 2)
                {
                    final double y = Double.parseDouble(coordinates[i]);
                    assertTrue(y >= top - 1e-9 && y <= bottom + 1e-9, y + " outside " + top + ".." + bottom + ": " + d);
                    points++;
                }
            }
        }
        assertTrue(points > 20, "points checked: " + points);
    }

    @Test
    void shouldLeaveOutTheTimePanelWhenNoSeriesHasIntervals() throws Exception
    {
        final String svg = SvgLatencyPlot.render("only distributions", List.of(
            new SvgLatencyPlot.Series("a", PercentileCurve.of(HgrmFileTest.knownNs()), null)));
        final List<String> texts = texts(parse(svg));
        assertTrue(texts.contains("Latency by percentile"));
        assertFalse(texts.contains("Latency over time (per interval)"));
        assertTrue(texts.containsAll(List.of("1 \u00b5s", "1 ms", "10 ms")), "ticks say their unit: " + texts);
    }

    @Test
    void shouldTickAt125PerDecadeAndKeepSeveralTicksOnANarrowRange()
    {
        final SvgLatencyPlot.LogAxis micros = SvgLatencyPlot.LogAxis.of(3_000, 800_000, 400, 0);
        assertEquals(2_000, micros.lowNs(), 1e-6);
        assertEquals(1_000_000, micros.highNs(), 1e-6);
        assertEquals(List.of(2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6), micros.ticks());

        final SvgLatencyPlot.LogAxis seconds = SvgLatencyPlot.LogAxis.of(10.7e9, 14.7e9, 400, 0);
        assertEquals(List.of(10e9, 11e9, 12e9, 13e9, 14e9, 15e9), seconds.ticks());
        assertEquals(0.0, seconds.pixel(15e9), 1e-9);
        assertEquals(400.0, seconds.pixel(10e9), 1e-9);
    }

    @Test
    void shouldLabelPercentilesAndDurationsAsPeopleWriteThem()
    {
        assertEquals(List.of("0%", "90%", "99%", "99.9%", "99.99%"),
            List.of(0, 1, 2, 3, 4).stream().map(SvgLatencyPlot::percentLabel).toList());
        assertEquals("850 ns", SvgLatencyPlot.duration(850));
        assertEquals("12.3 \u00b5s", SvgLatencyPlot.duration(12_345));
        assertEquals("1.45 ms", SvgLatencyPlot.duration(1_454_000));
        assertEquals("2 s", SvgLatencyPlot.duration(2e9));
    }
}
