package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

/** Describes a {@link MapState}: a name and the codecs of its keys and values. */
public final class MapStateDescriptor<UK, UV> extends StateDescriptor
{
    private final Codec<UK> userKeyCodec;
    private final Codec<UV> valueCodec;

    /** A descriptor of map state {@code name}, map keys and values stored through the codecs given. */
    public MapStateDescriptor(final String name, final Codec<UK> userKeyCodec, final Codec<UV> valueCodec)
    {
        super(name, Kind.MAP);
        this.userKeyCodec = Objects.requireNonNull(userKeyCodec, "userKeyCodec");
        this.valueCodec = Objects.requireNonNull(valueCodec, "valueCodec");
    }

    /** The codec the map's keys are stored through. */
    public Codec<UK> userKeyCodec()
    {
        return userKeyCodec;
    }

    /** The codec the map's values are stored through. */
    public Codec<UV> valueCodec()
    {
        return valueCodec;
    }

    public String valueCodecId()
    {
        return valueCodec.id();
    }

    public String userKeyCodecId()
    {
        return userKeyCodec.id();
    }
}
