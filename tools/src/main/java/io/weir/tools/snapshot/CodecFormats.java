package io.weir.tools.snapshot;

import io.weir.api.codec.BytesCodec;
import io.weir.api.codec.Codec;
import io.weir.api.codec.DoubleCodec;
import io.weir.api.codec.Hex;
import io.weir.api.codec.IntCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.engine.runtime.window.WindowStateCodecs;
import org.agrona.DirectBuffer;

import java.util.List;
import java.util.Map;

/**
 * Renders encoded values by the codec id a manifest records. Known ids are the engine's built-in codecs; an unknown
 * id, or bytes of the wrong length for a fixed-length codec, render as lower-case hex.
 */
final class CodecFormats
{
    private static final Map<String, Codec<?>> CODECS = Map.of(
        LongCodec.INSTANCE.id(), LongCodec.INSTANCE,
        IntCodec.INSTANCE.id(), IntCodec.INSTANCE,
        DoubleCodec.INSTANCE.id(), DoubleCodec.INSTANCE,
        BytesCodec.INSTANCE.id(), BytesCodec.INSTANCE,
        StringCodec.INSTANCE.id(), StringCodec.INSTANCE);

    /** Codec ids rendered as numbers rather than text. */
    static final List<String> NUMERIC_IDS = List.of("long", "int", "double");

    private CodecFormats()
    {
    }

    static String format(final String codecId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Codec<?> codec = CODECS.get(codecId);
        if (codec == null)
        {
            return formatWindowState(codecId, buffer, offset, length);
        }
        if (codec.fixedLength() != Codec.VARIABLE_LENGTH && codec.fixedLength() != length)
        {
            return Hex.format(buffer, offset, length);
        }
        return codec.format(buffer, offset, length);
    }

    /** A window operator's own state (its accumulators by their codec, in hex if unknown), else hex. */
    private static String formatWindowState(
        final String codecId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Codec<?> codec = WindowStateCodecs.forId(codecId, CodecFormats::accumulatorCodec);
        if (codec == null)
        {
            return Hex.format(buffer, offset, length);
        }
        try
        {
            return codec.format(buffer, offset, length);
        }
        catch (final IllegalStateException | IndexOutOfBoundsException ex)
        {
            return Hex.format(buffer, offset, length); // does not fit the layout: shown, not dropped
        }
    }

    private static Codec<?> accumulatorCodec(final String codecId)
    {
        final Codec<?> codec = CODECS.get(codecId);
        return codec != null ? codec : BytesCodec.INSTANCE;
    }

    /**
     * @return the fixed encoded length of the codec, or -1 if it is variable or unknown.
     */
    static int fixedLength(final String codecId)
    {
        final Codec<?> codec = CODECS.get(codecId);
        return codec == null ? Codec.VARIABLE_LENGTH : codec.fixedLength();
    }
}
