package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

public final class MapStateDescriptor<UK, UV> extends StateDescriptor
{
    private final Codec<UK> userKeyCodec;
    private final Codec<UV> valueCodec;

    public MapStateDescriptor(final String name, final Codec<UK> userKeyCodec, final Codec<UV> valueCodec)
    {
        super(name, Kind.MAP);
        this.userKeyCodec = Objects.requireNonNull(userKeyCodec, "userKeyCodec");
        this.valueCodec = Objects.requireNonNull(valueCodec, "valueCodec");
    }

    public Codec<UK> userKeyCodec()
    {
        return userKeyCodec;
    }

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
