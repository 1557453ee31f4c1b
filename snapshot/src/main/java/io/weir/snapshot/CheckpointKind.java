package io.weir.snapshot;

/**
 * Whether a manifest describes a periodic checkpoint (retained by count, may share delta chains) or a
 * savepoint (asked for by a user, self-contained, never deleted by retention).
 */
public enum CheckpointKind
{
    CHECKPOINT(1, "checkpoint"),
    SAVEPOINT(2, "savepoint");

    private final int code;
    private final String label;

    CheckpointKind(final int code, final String label)
    {
        this.code = code;
        this.label = label;
    }

    /**
     * @return the kind in lower case, as messages name it, whatever the default locale.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return the value stored on disk.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code as stored on disk.
     * @return the kind, or null if unknown.
     */
    public static CheckpointKind fromCode(final int code)
    {
        switch (code)
        {
            case 1: return CHECKPOINT;
            case 2: return SAVEPOINT;
            default: return null;
        }
    }
}
