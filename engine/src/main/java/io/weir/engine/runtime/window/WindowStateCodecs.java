package io.weir.engine.runtime.window;

import io.weir.api.codec.Codec;

import java.util.function.Function;

/**
 * The codecs of the window operators' own states, found by the id a checkpoint manifest records: for tools that
 * render stored values. An id names the accumulator's codec in brackets, e.g. {@code weir-slice-set-v1(long)}.
 * Stateless; any thread.
 */
public final class WindowStateCodecs
{
    private WindowStateCodecs()
    {
    }

    /**
     * @param id          a codec id from a manifest.
     * @param accumulator the codec of an accumulator codec id, never null (a tool passes one that renders hex for
     *                    ids it does not know).
     * @return the window state codec of that id, or null if it is not one.
     */
    public static Codec<?> forId(final String id, final Function<String, Codec<?>> accumulator)
    {
        if (SessionWindowSetCodec.INSTANCE.id().equals(id))
        {
            return SessionWindowSetCodec.INSTANCE;
        }
        final String sliceSet = inner(id, SliceSetCodec.ID_PREFIX);
        if (sliceSet != null)
        {
            return new SliceSetCodec<>(accumulator.apply(sliceSet));
        }
        final String sessionState = inner(id, SessionStateCodec.ID_PREFIX);
        if (sessionState != null)
        {
            return new SessionStateCodec<>(accumulator.apply(sessionState));
        }
        return null;
    }

    private static String inner(final String id, final String prefix)
    {
        return id.startsWith(prefix) && id.endsWith(")") && id.length() > prefix.length() + 1 ?
            id.substring(prefix.length(), id.length() - 1) : null;
    }
}
