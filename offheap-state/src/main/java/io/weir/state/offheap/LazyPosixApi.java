package io.weir.state.offheap;

import jnr.ffi.Platform;
import net.openhft.posix.ClockId;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.MMapFlag;
import net.openhft.posix.MMapProt;
import net.openhft.posix.MSyncFlag;
import net.openhft.posix.MclFlag;
import net.openhft.posix.OpenFlag;
import net.openhft.posix.PosixAPI;
import net.openhft.posix.WhenceFlag;
import net.openhft.posix.internal.PosixAPIHolder;
import net.openhft.posix.internal.jnr.JNRPosixAPI;
import net.openhft.posix.internal.jnr.WinJNRPosixAPI;
import net.openhft.posix.internal.noop.NoOpPosixAPI;

import java.io.IOException;

/**
 * Chronicle's POSIX binding, bound on first use instead of when Chronicle's {@code Jvm} class initialises.
 * <p>
 * Why: {@code Jvm}'s static initialiser calls {@link PosixAPI#posix()} only to load the binding early, and that load
 * (jnr-ffi generating its stubs) was almost half of what the first Chronicle store of a JVM took to create, on the
 * thread that wires the job, before the first event. In-memory maps, the backend's default, never call it.
 * File-backed ones do (msync when a map grows a tier, on the shard's thread), so a backend with a directory binds it
 * when it is constructed ({@link #bindNow}), on the wiring thread as before.
 * <p>
 * {@link #install} puts this in the holder Chronicle reads, unless a binding is there already. The first call through
 * it binds the binding Chronicle would have chosen (the jnr one, or a no-op one that names why jnr failed, as
 * Chronicle does) and puts that in the holder in its place, so later callers reach it directly. Thread-safe.
 */
final class LazyPosixApi implements PosixAPI
{
    private volatile PosixAPI bound;

    private LazyPosixApi()
    {
    }

    /** Installs a lazy binding if Chronicle has none yet; before Chronicle's {@code Jvm} class initialises. */
    static synchronized void install()
    {
        if (null == PosixAPIHolder.POSIX_API)
        {
            PosixAPIHolder.POSIX_API = new LazyPosixApi();
        }
    }

    /** Binds the installed binding now, if it is this one and not bound yet; any thread. */
    static void bindNow()
    {
        final PosixAPI installed = PosixAPIHolder.POSIX_API;
        if (installed instanceof LazyPosixApi)
        {
            ((LazyPosixApi)installed).api();
        }
    }

    /** True while the binding is installed and not bound yet (tests). */
    static boolean pending()
    {
        final PosixAPI installed = PosixAPIHolder.POSIX_API;
        return installed instanceof LazyPosixApi && null == ((LazyPosixApi)installed).bound;
    }

    private PosixAPI api()
    {
        final PosixAPI api = bound;
        return null != api ? api : bind();
    }

    private synchronized PosixAPI bind()
    {
        if (null == bound)
        {
            PosixAPI api;
            try
            {
                api = Platform.getNativePlatform().isUnix() ? new JNRPosixAPI() : new WinJNRPosixAPI();
            }
            catch (final Throwable ex)
            {
                // As Chronicle's own loader does: a binding whose every call fails naming this cause.
                api = new NoOpPosixAPI(ex.toString());
            }
            bound = api;
            if (this == PosixAPIHolder.POSIX_API)
            {
                // Unless the application put a binding of its own there since.
                PosixAPIHolder.POSIX_API = api;
            }
        }
        return bound;
    }

    public int close(final int fd)
    {
        return api().close(fd);
    }

    public int fallocate(final int fd, final int mode, final long offset, final long length)
    {
        return api().fallocate(fd, mode, offset, length);
    }

    public int ftruncate(final int fd, final long offset)
    {
        return api().ftruncate(fd, offset);
    }

    public long lseek(final int fd, final long offset, final WhenceFlag whence)
    {
        return api().lseek(fd, offset, whence);
    }

    public long lseek(final int fd, final long offset, final int whence)
    {
        return api().lseek(fd, offset, whence);
    }

    public int lockf(final int fd, final int cmd, final long len)
    {
        return api().lockf(fd, cmd, len);
    }

    public int madvise(final long addr, final long length, final MAdviseFlag advice)
    {
        return api().madvise(addr, length, advice);
    }

    public int madvise(final long addr, final long length, final int advice)
    {
        return api().madvise(addr, length, advice);
    }

    public long mmap(
        final long addr, final long length, final MMapProt prot, final MMapFlag flags, final int fd, final long offset)
    {
        return api().mmap(addr, length, prot, flags, fd, offset);
    }

    public long mmap(final long addr, final long length, final int prot, final int flags, final int fd,
        final long offset)
    {
        return api().mmap(addr, length, prot, flags, fd, offset);
    }

    public boolean mlock(final long addr, final long length)
    {
        return api().mlock(addr, length);
    }

    public boolean mlock2(final long addr, final long length, final boolean lockOnFault)
    {
        return api().mlock2(addr, length, lockOnFault);
    }

    public void mlockall(final MclFlag flags)
    {
        api().mlockall(flags);
    }

    public void mlockall(final int flags)
    {
        api().mlockall(flags);
    }

    public int msync(final long address, final long length, final MSyncFlag flags)
    {
        return api().msync(address, length, flags);
    }

    public int msync(final long address, final long length, final int flags)
    {
        return api().msync(address, length, flags);
    }

    public int munmap(final long addr, final long length)
    {
        return api().munmap(addr, length);
    }

    public int open(final CharSequence path, final OpenFlag flags, final int perm)
    {
        return api().open(path, flags, perm);
    }

    public int open(final CharSequence path, final int flags, final int perm)
    {
        return api().open(path, flags, perm);
    }

    public long read(final int fd, final long dst, final long len)
    {
        return api().read(fd, dst, len);
    }

    public long write(final int fd, final long src, final long len)
    {
        return api().write(fd, src, len);
    }

    public long du(final String filename) throws IOException
    {
        return api().du(filename);
    }

    public int gettimeofday(final long timeval)
    {
        return api().gettimeofday(timeval);
    }

    public int sched_setaffinity(final int pid, final int cpusetsize, final long mask)
    {
        return api().sched_setaffinity(pid, cpusetsize, mask);
    }

    public int sched_getaffinity(final int pid, final int cpusetsize, final long mask)
    {
        return api().sched_getaffinity(pid, cpusetsize, mask);
    }

    public String sched_getaffinity_summary(final int pid)
    {
        return api().sched_getaffinity_summary(pid);
    }

    public int lastError()
    {
        return api().lastError();
    }

    public int sched_setaffinity_as(final int pid, final int cpu)
    {
        return api().sched_setaffinity_as(pid, cpu);
    }

    public int sched_setaffinity_range(final int pid, final int from, final int to)
    {
        return api().sched_setaffinity_range(pid, from, to);
    }

    public long gettimeofday()
    {
        return api().gettimeofday();
    }

    public long clock_gettime()
    {
        return api().clock_gettime();
    }

    public long clock_gettime(final ClockId clockId)
    {
        return api().clock_gettime(clockId);
    }

    public long clock_gettime(final int clockId)
    {
        return api().clock_gettime(clockId);
    }

    public long malloc(final long size)
    {
        return api().malloc(size);
    }

    public void free(final long ptr)
    {
        api().free(ptr);
    }

    public int get_nprocs()
    {
        return api().get_nprocs();
    }

    public int get_nprocs_conf()
    {
        return api().get_nprocs_conf();
    }

    public int getpid()
    {
        return api().getpid();
    }

    public int gettid()
    {
        return api().gettid();
    }

    public String strerror(final int errno)
    {
        return api().strerror(errno);
    }

    public String lastErrorStr()
    {
        return api().lastErrorStr();
    }
}
