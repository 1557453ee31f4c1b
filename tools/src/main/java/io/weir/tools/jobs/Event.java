package io.weir.tools.jobs;

/**
 * One input line of the reference jobs: {@code ts_millis,key,amount,event_id}. Mutable so that readers and
 * shards can decode into one reused instance; copy the fields if you keep them.
 */
public final class Event
{
    public long timestamp;
    public long key;
    public long amount;
    public long eventId;

    public Event set(final long timestamp, final long key, final long amount, final long eventId)
    {
        this.timestamp = timestamp;
        this.key = key;
        this.amount = amount;
        this.eventId = eventId;
        return this;
    }

    public long timestamp()
    {
        return timestamp;
    }

    public long key()
    {
        return key;
    }

    public long eventId()
    {
        return eventId;
    }

    public String toString()
    {
        return timestamp + "," + key + "," + amount + "," + eventId;
    }
}
