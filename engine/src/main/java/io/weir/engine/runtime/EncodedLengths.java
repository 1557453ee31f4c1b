package io.weir.engine.runtime;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;

/**
 * A record's room in a ring is claimed from {@link Codec#encodedLength} before {@link Codec#encode} runs, so the two
 * must agree: a codec that writes less leaves bytes that the reader would decode as the value, and one that writes
 * more has already written past its record when this check sees the length it returns, so a caller that encoded
 * into a ring (over the next record's header) fails the job. Called on the thread that encoded, right after the
 * encode.
 * <p>
 * The rings check only where Agrona's bounds checks are on ({@link #CHECKED}): the default, and every test; the
 * ./weir launcher turns both off for the commands that run jobs, whose codecs the tests have checked.
 */
public final class EncodedLengths
{
    /**
     * {@link DirectBuffer#SHOULD_BOUNDS_CHECK}: false when the JVM runs with
     * {@code -Dagrona.disable.bounds.checks=true}. A static final, so that the compiler drops the checks then.
     */
    public static final boolean CHECKED = DirectBuffer.SHOULD_BOUNDS_CHECK;

    private EncodedLengths()
    {
    }

    /**
     * @throws IllegalStateException from {@link #mismatch}, if {@link #CHECKED} and {@code written != declared}.
     */
    public static void check(final Codec<?> codec, final int declared, final int written)
    {
        if (CHECKED && written != declared)
        {
            throw mismatch(codec, declared, written);
        }
    }

    /** The failure of a codec that wrote {@code written} bytes where it declared {@code declared}; names both. */
    public static IllegalStateException mismatch(final Codec<?> codec, final int declared, final int written)
    {
        return new IllegalStateException("codec '" + codec.id() + "' wrote " + written + " bytes of a value for " +
            "which its encodedLength gave " + declared + "; the two must agree (a record's room in a ring is " +
            "claimed from encodedLength before encode runs)");
    }
}
