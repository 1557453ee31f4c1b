package io.weir.tools.bench;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Progress lines name their phase and count that phase's events against that phase's total. */
class ProgressLineTest
{
    @Test
    void shouldCountPrefillWritesAgainstTheKeysNotTheMeasuredEvents()
    {
        assertEquals("prefill       1,500,000 / 2,000,000 keys       1,500,000 events/s  checkpoints 0",
            ProgressReporter.line(1_500_000, 2_000_000, 10_000_000, 1_000_000, 1.5e6, 0, 0));
    }

    @Test
    void shouldCountTimedEventsFromTheEndOfThePrefill()
    {
        assertEquals("warm-up         500,000 / 10,000,000 events     2,000,000 events/s  p99        0.0 us  " +
            "checkpoints 1", ProgressReporter.line(2_500_000, 2_000_000, 10_000_000, 1_000_000, 2e6, 0, 1));
        assertEquals("measured      8,000,000 / 10,000,000 events     2,000,000 events/s  p99       12.5 us  " +
            "checkpoints 3", ProgressReporter.line(10_000_000, 2_000_000, 10_000_000, 1_000_000, 2e6, 12.5, 3));
    }

    @Test
    void shouldPrintTheSameDigitsAndSeparatorsWhateverTheDefaultLocale()
    {
        final Locale before = Locale.getDefault();
        try
        {
            // Arabic prints digits U+0660..U+0669; German and Turkish swap the grouping and decimal separators.
            for (final String tag : new String[]{ "ar-EG", "de-DE", "tr-TR" })
            {
                Locale.setDefault(Locale.forLanguageTag(tag));
                assertEquals("measured      8,000,000 / 10,000,000 events     2,000,000 events/s  p99       12.5 us  " +
                    "checkpoints 3", ProgressReporter.line(10_000_000, 2_000_000, 10_000_000, 1_000_000, 2e6, 12.5, 3),
                    tag);
            }
        }
        finally
        {
            Locale.setDefault(before);
        }
    }
}
