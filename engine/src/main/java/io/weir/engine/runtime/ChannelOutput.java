package io.weir.engine.runtime;

/**
 * The sending end of the channels from one stage instance into another stage's input gates (one ring per
 * receiving thread). Records a full ring refuses wait in a backlog, in order, with the watermarks, barriers and
 * end of input sent after them; nothing here blocks or spins.
 * <p>
 * Used only by the thread that runs the sending stage instance.
 */
public interface ChannelOutput
{
    /** The stage's watermark advanced: records sent from now on carry it; {@link #flush()} sends it alone. */
    void emitWatermark(long watermark);

    /** Send the watermark to the channels that have not seen it yet (behind any backlog); once per duty cycle. */
    void flush();

    /** Send a checkpoint barrier on every channel (behind any backlog). */
    void emitBarrier(long checkpointId, int flags);

    /**
     * Every input of the sending stage is idle: send the watermark not sent yet, then mark every channel idle
     * (behind any backlog). A record or watermark sent later on a channel makes it active again.
     */
    void markIdle();

    /** Send the end of input on every channel (behind any backlog). */
    void endOfInput();

    /** Whether records wait for room in a ring. */
    boolean hasBacklog();

    /** Move waiting records into their rings as far as they have room; returns how many moved. */
    int drain();
}
