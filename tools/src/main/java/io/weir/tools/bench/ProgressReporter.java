package io.weir.tools.bench;

import io.weir.engine.WeirJob;
import io.weir.tools.plot.IntervalLogWriter;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.Locale;

/**
 * About once a second: the phase (prefill, warm-up, measured), that phase's events done out of its total,
 * events/s and the interval's p99 (measured and warm-up phases only: prefill events are not timed), on one line
 * rewritten in place on a terminal, or as plain lines otherwise. Runs on its own (sleeping) thread; the only
 * thread that reads the latency recorders while the run is in progress. With an interval log, writes each
 * interval and the checkpoints completed so far to it, and on stop the last partial interval.
 */
final class ProgressReporter implements Runnable
{
    private final PrintStream out;
    private final WeirJob<?, ?> job;
    private final LatencyProbe probe;
    private final Histogram total;
    private final Histogram interval = new Histogram(LatencyProbe.HIGHEST_TRACKABLE_NS, 3);
    private final long prefillEvents;
    private final long events;
    private final long warmupEvents;
    private final IntervalLogWriter hlog;
    private final boolean terminal = System.console() != null;
    private final Thread thread = new Thread(this, "weir-bench-progress");
    private volatile boolean running = true;

    ProgressReporter(
        final PrintStream out, final WeirJob<?, ?> job, final LatencyProbe probe, final Histogram total,
        final long prefillEvents, final long events, final long warmupEvents, final IntervalLogWriter hlog)
    {
        this.out = out;
        this.job = job;
        this.probe = probe;
        this.total = total;
        this.prefillEvents = prefillEvents;
        this.events = events;
        this.warmupEvents = warmupEvents;
        this.hlog = hlog;
        thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    /** Stop and wait, so the caller owns the recorders again. */
    void stop() throws InterruptedException
    {
        running = false;
        thread.interrupt();
        thread.join();
    }

    public void run()
    {
        long lastEvents = 0;
        long lastNs = System.nanoTime();
        while (running)
        {
            try
            {
                Thread.sleep(1000);
            }
            catch (final InterruptedException ex)
            {
                if (!running)
                {
                    break;
                }
            }
            final long nowNs = System.nanoTime();
            final long done = job.eventsProcessed();
            synchronized (total)
            {
                probe.drainInto(total, interval);
            }
            logInterval(lastNs, nowNs);
            final double rate = (done - lastEvents) * 1e9 / (nowNs - lastNs);
            final String line = line(done, prefillEvents, events, warmupEvents, rate,
                interval.getValueAtPercentile(99) / 1e3, job.completedCheckpoints().size());
            if (terminal)
            {
                out.print("\r" + line);
            }
            else
            {
                out.println(line);
            }
            out.flush();
            lastEvents = done;
            lastNs = nowNs;
        }
        if (hlog != null)
        {
            final long nowNs = System.nanoTime();
            synchronized (total)
            {
                probe.drainInto(total, interval);
            }
            logInterval(lastNs, nowNs);
        }
    }

    private void logInterval(final long fromNs, final long toNs)
    {
        if (hlog != null)
        {
            hlog.onInterval(fromNs, toNs, interval);
            hlog.onCheckpoints(job.completedCheckpoints());
        }
    }

    /**
     * One progress line.
     *
     * @param done          events processed since the job started, prefill included.
     * @param prefillEvents events of the prefill phase (0 without {@code --prefill}); not timed.
     * @param events        events of the timed phase, warm-up included.
     * @param warmupEvents  the first events of the timed phase, left out of the latency figures.
     */
    static String line(
        final long done, final long prefillEvents, final long events, final long warmupEvents, final double rate,
        final double p99Us, final int checkpoints)
    {
        if (done < prefillEvents)
        {
            return String.format(Locale.ROOT, "prefill   %,13d / %,d keys    %,12.0f events/s  checkpoints %d",
                done, prefillEvents, rate, checkpoints);
        }
        final long timed = done - prefillEvents;
        return String.format(Locale.ROOT, "%s  %,13d / %,d events  %,12.0f events/s  p99 %,10.1f us  checkpoints %d",
            timed < warmupEvents ? "warm-up " : "measured", timed, events, rate, p99Us, checkpoints);
    }
}
