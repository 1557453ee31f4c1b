package io.weir.snapshot;

/**
 * Kind of a snapshot data file: a FULL base or a DELTA on top of a parent checkpoint.
 */
public enum SnapshotFileKind
{
    FULL(1),
    DELTA(2);

    private final int code;

    SnapshotFileKind(final int code)
    {
        this.code = code;
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
     * @return the kind, or null if the code is unknown.
     */
    public static SnapshotFileKind fromCode(final int code)
    {
        switch (code)
        {
            case 1: return FULL;
            case 2: return DELTA;
            default: return null;
        }
    }
}
