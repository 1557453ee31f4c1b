package io.weir.engine.runtime.snapshot;

import io.weir.engine.checkpoint.CheckpointSettings;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriterPacerTest
{
    private static final long SLICE_NS = 100_000;

    private final ManualClock clock = new ManualClock();

    @Test
    void shouldNotSleepWhileTheSliceLasts()
    {
        final WriterPacer pacer = new WriterPacer(clock, SLICE_NS);
        pacer.startSlice();
        for (int i = 0; i < 1000; i++)
        {
            clock.nowNs += 99;
            pacer.onEntry();
        }

        assertEquals(0, pacer.sleeps());
    }

    @Test
    void shouldSleepOnceTheSliceIsUsedUpAndStartANewSliceAfterwards()
    {
        final WriterPacer pacer = new WriterPacer(clock, SLICE_NS);
        pacer.startSlice();
        clock.nowNs += SLICE_NS;
        write(pacer, WriterPacer.ENTRIES_PER_CLOCK_READ);
        assertEquals(1, pacer.sleeps());

        // The clock has not moved since the sleep, so the new slice has all of its time left.
        write(pacer, 10 * WriterPacer.ENTRIES_PER_CLOCK_READ);
        assertEquals(1, pacer.sleeps());

        clock.nowNs += SLICE_NS;
        write(pacer, WriterPacer.ENTRIES_PER_CLOCK_READ);
        assertEquals(2, pacer.sleeps());
    }

    @Test
    void shouldReadTheClockOnlyEveryFewEntries()
    {
        final WriterPacer pacer = new WriterPacer(clock, SLICE_NS);
        pacer.startSlice();
        final long readsBefore = clock.reads;
        write(pacer, 10 * WriterPacer.ENTRIES_PER_CLOCK_READ);

        assertEquals(10, clock.reads - readsBefore);
    }

    @Test
    void shouldCountTheTimeSlept()
    {
        final WriterPacer pacer = new WriterPacer(System::nanoTime, 1);
        pacer.startSlice();
        write(pacer, 3 * WriterPacer.ENTRIES_PER_CLOCK_READ);

        assertEquals(3, pacer.sleeps());
        assertTrue(pacer.sleptNs() > 0, "slept " + pacer.sleptNs() + " ns");
    }

    @Test
    void shouldStartEachFileWithAFreshSlice()
    {
        final WriterPacer pacer = new WriterPacer(clock, SLICE_NS);
        pacer.startSlice();
        clock.nowNs += SLICE_NS - 1; // idle between two files, not writing

        pacer.startSlice();
        write(pacer, WriterPacer.ENTRIES_PER_CLOCK_READ);

        assertEquals(0, pacer.sleeps());
    }

    @Test
    void shouldNeverSleepWithASliceOfZero()
    {
        final WriterPacer pacer = new WriterPacer(clock, 0);
        pacer.startSlice();
        for (int i = 0; i < 100 * WriterPacer.ENTRIES_PER_CLOCK_READ; i++)
        {
            clock.nowNs += 1_000_000;
            pacer.onEntry();
        }

        assertEquals(0, pacer.sleeps());
    }

    @Test
    void shouldRejectANegativeSliceInTheSettings()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CheckpointSettings.every(Path.of("cp"), 1000).writerSliceMicros(-1));
        assertTrue(ex.getMessage().contains("-1"), ex.getMessage());
    }

    @Test
    void shouldNameThePropertyWhenItIsNotANumber()
    {
        final String previous = System.getProperty(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME);
        System.setProperty(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME, "50us");
        try
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, CheckpointSettings::defaultWriterSliceMicros);
            assertTrue(ex.getMessage().contains(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME) &&
                ex.getMessage().contains("'50us'"), ex.getMessage());

            System.setProperty(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME, " 250 ");
            assertEquals(250, CheckpointSettings.every(Path.of("cp"), 1000).writerSliceMicros());
        }
        finally
        {
            if (null == previous)
            {
                System.clearProperty(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME);
            }
            else
            {
                System.setProperty(CheckpointSettings.WRITER_SLICE_MICROS_PROP_NAME, previous);
            }
        }
    }

    private static void write(final WriterPacer pacer, final int entries)
    {
        for (int i = 0; i < entries; i++)
        {
            pacer.onEntry();
        }
    }

    private static final class ManualClock implements NanoClock
    {
        long nowNs = 1_000_000_000L;
        long reads;

        public long nanoTime()
        {
            reads++;
            return nowNs;
        }
    }
}
