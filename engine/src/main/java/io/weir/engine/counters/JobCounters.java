package io.weir.engine.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * A running job's counters: a memory-mapped file ({@link CountersFileDescriptor}) in a {@link CountersDirectory},
 * holding an Agrona counter per shard, operator instance, producer and ring and for the job's checkpoints, and
 * the same values as a JMX MBean ({@value #JMX_DOMAIN}{@code :type=Job,name=...}) once registered.
 * <p>
 * Created and closed by the thread that starts and closes the job. It hands each runtime thread its own counters
 * ({@link #shard}, {@link #producer}, {@link #checkpoints}); each counter has that one writer. {@link #close()} must
 * come after every writer stopped: it unregisters the MBean, unmaps the file (and deletes it). Making the platform
 * MBean server is slow (it makes every platform MBean, loading their classes), so a job has its MBean registered once
 * the server exists ({@link #registerMBeanOnceServerExists}): at once, on the job's thread, in an application that
 * uses JMX, else from a watcher thread once a JMX agent makes it (JConsole attaching,
 * {@code -Dcom.sun.management.jmxremote}). The MBean's registration state is guarded by this object's lock.
 */
public final class JobCounters implements AutoCloseable
{
    public static final String JMX_DOMAIN = "io.weir";

    /** Files this process has open, so that a second job of the same name gets its own. */
    private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();
    /** Counters whose MBean waits for the platform MBean server; {@link #watchForServer} registers them. */
    private static final Set<JobCounters> AWAITING_SERVER = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean WATCHING_FOR_SERVER = new AtomicBoolean();
    /** How often the watcher looks for the platform MBean server while an MBean waits for it. */
    static final long SERVER_POLL_MS = 250;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final ShardCounters[] shards;
    /** Per shard, per operator (stage) of the job. */
    private final OperatorCounters[][] operators;
    private final ProducerCounters[] producers;
    private final CheckpointCounters checkpoints;
    private final CountersMBean mbean;
    private final ObjectName objectName;
    /** Registration was asked for: {@link #registerMBean} or {@link #registerMBeanOnceServerExists}. */
    private boolean registrationAsked;
    private boolean registered;
    private boolean closed;
    /** Where {@link #registerMBeanOnceServerExists} reports a refusal. */
    private Consumer<String> registrationLog;

    private JobCounters(
        final Path path,
        final MappedByteBuffer mapped,
        final ShardCounters[] shards,
        final OperatorCounters[][] operators,
        final ProducerCounters[] producers,
        final CheckpointCounters checkpoints,
        final CountersMBean mbean,
        final ObjectName objectName)
    {
        this.path = path;
        this.mapped = mapped;
        this.shards = shards;
        this.operators = operators;
        this.producers = producers;
        this.checkpoints = checkpoints;
        this.mbean = mbean;
        this.objectName = objectName;
    }

    /**
     * Create the counters file of a job in {@code directory} (created if missing), removing stale files found
     * there; the MBean is registered by {@link #registerMBeanOnceServerExists} or {@link #registerMBean}.
     *
     * @param log told of each stale file removed.
     * @throws UncheckedIOException naming the file or directory that could not be written.
     */
    public static JobCounters create(
        final Path directory, final String jobName, final int shardCount, final int producerCount,
        final Consumer<String> log)
    {
        return create(directory, jobName, shardCount, producerCount, List.of(), log);
    }

    /**
     * {@link #create(Path, String, int, int, Consumer)} with counters for every instance of every operator.
     *
     * @param operators the uids of the job's operators (stages), in stage order; empty for one without.
     */
    public static JobCounters create(
        final Path directory, final String jobName, final int shardCount, final int producerCount,
        final List<String> operators, final Consumer<String> log)
    {
        removeStale(directory, log);
        final long pid = ProcessHandle.current().pid();
        Path path;
        int sequence = 1;
        do
        {
            path = directory.resolve(CountersFileDescriptor.fileName(jobName, pid, sequence++));
        }
        while (!OPEN_FILES.add(path));

        final int counterCount = shardCount * 6 + producerCount * shardCount + producerCount + 7 +
            operators.size() * shardCount * 3;
        final MappedByteBuffer mapped;
        try
        {
            mapped = map(path, CountersFileDescriptor.fileLength(counterCount));
        }
        catch (final IOException ex)
        {
            OPEN_FILES.remove(path);
            throw new UncheckedIOException("cannot create counters file " + path + ": " + ex + "; choose another " +
                "directory (WeirContext.countersDirectory or -D" + CountersDirectory.DIR_PROP_NAME + "=DIR) or turn " +
                "counters off (WeirContext.countersEnabled(false))", ex);
        }
        try
        {
            final UnsafeBuffer header = CountersFileDescriptor.header(mapped);
            CountersFileDescriptor.writeHeader(header, CountersFileDescriptor.metadataLength(counterCount),
                CountersFileDescriptor.valuesLength(counterCount), pid, System.currentTimeMillis(), jobName);
            final CountersManager manager = new CountersManager(CountersFileDescriptor.metadata(mapped, header),
                CountersFileDescriptor.values(mapped, header), StandardCharsets.UTF_8);
            final Map<String, AtomicCounter> attributes = new LinkedHashMap<>();
            final ShardCounters[] shards = new ShardCounters[shardCount];
            for (int s = 0; s < shardCount; s++)
            {
                final AtomicCounter eventsIn = newCounter(manager, attributes, CounterType.SHARD_EVENTS_IN, s, 0);
                final AtomicCounter eventsOut = newCounter(manager, attributes, CounterType.SHARD_EVENTS_OUT, s, 0);
                final AtomicCounter watermark = newCounter(manager, attributes, CounterType.SHARD_WATERMARK, s, 0);
                final AtomicCounter timers = newCounter(manager, attributes, CounterType.SHARD_TIMERS_PENDING, s, 0);
                final AtomicCounter entries = newCounter(manager, attributes, CounterType.SHARD_STATE_ENTRIES, s, 0);
                final AtomicCounter bytes = newCounter(manager, attributes, CounterType.SHARD_STATE_BYTES, s, 0);
                final AtomicCounter[] rings = new AtomicCounter[producerCount];
                for (int p = 0; p < producerCount; p++)
                {
                    rings[p] = newCounter(manager, attributes, CounterType.RING_USED_BYTES, p, s);
                }
                shards[s] = new ShardCounters(eventsIn, eventsOut, watermark, timers, entries, bytes, rings);
            }
            final OperatorCounters[][] operatorCounters = new OperatorCounters[shardCount][operators.size()];
            for (int o = 0; o < operators.size(); o++)
            {
                for (int s = 0; s < shardCount; s++)
                {
                    final String uid = operators.get(o);
                    operatorCounters[s][o] = new OperatorCounters(
                        newCounter(manager, attributes, CounterType.OPERATOR_EVENTS_IN, o, uid, s),
                        newCounter(manager, attributes, CounterType.OPERATOR_EVENTS_OUT, o, uid, s),
                        newCounter(manager, attributes, CounterType.OPERATOR_BACK_PRESSURE, o, uid, s));
                }
            }
            final ProducerCounters[] producers = new ProducerCounters[producerCount];
            for (int p = 0; p < producerCount; p++)
            {
                producers[p] =
                    new ProducerCounters(newCounter(manager, attributes, CounterType.PRODUCER_BACK_PRESSURE, p, 0));
            }
            final CheckpointCounters checkpoints = new CheckpointCounters(
                newCounter(manager, attributes, CounterType.CHECKPOINT_ID, 0, 0),
                newCounter(manager, attributes, CounterType.CHECKPOINT_DURATION_MS, 0, 0),
                newCounter(manager, attributes, CounterType.CHECKPOINT_PAUSE_US, 0, 0),
                newCounter(manager, attributes, CounterType.CHECKPOINT_BYTES, 0, 0),
                newCounter(manager, attributes, CounterType.CHECKPOINTS_COMPLETED, 0, 0),
                newCounter(manager, attributes, CounterType.CHECKPOINTS_FAILED, 0, 0),
                newCounter(manager, attributes, CounterType.RESTORES, 0, 0));
            CountersFileDescriptor.signalReady(header);

            final CountersMBean mbean = new CountersMBean(jobName, path, attributes);
            final String baseName = path.getFileName().toString();
            final ObjectName objectName = new ObjectName(JMX_DOMAIN + ":type=Job,name=" + ObjectName.quote(
                baseName.substring(0, baseName.length() - CountersFileDescriptor.FILE_SUFFIX.length())));
            return new JobCounters(path, mapped, shards, operatorCounters, producers, checkpoints, mbean, objectName);
        }
        catch (final JMException | RuntimeException ex)
        {
            release(path, mapped);
            if (ex instanceof RuntimeException)
            {
                throw (RuntimeException)ex;
            }
            throw new IllegalStateException("cannot name the MBean of job '" + jobName + "': " + ex, ex);
        }
    }

    /**
     * Register the MBean under {@link #objectName} now, making the platform MBean server if no one has; once (this or
     * {@link #registerMBeanOnceServerExists}), before {@link #close}.
     *
     * @throws IllegalStateException naming the MBean, if the platform MBean server refuses it.
     */
    public synchronized void registerMBean()
    {
        askRegistration();
        try
        {
            ManagementFactory.getPlatformMBeanServer().registerMBean(mbean, objectName);
            registered = true;
        }
        catch (final JMException ex)
        {
            throw new IllegalStateException("cannot register MBean " + objectName + ": " + ex, ex);
        }
    }

    /**
     * Register the MBean under {@link #objectName} once the platform MBean server exists, unless {@link #close} comes
     * first: at once if it exists now, else from a daemon thread that looks for it every {@value #SERVER_POLL_MS} ms
     * (made by the application or a JMX agent; this never makes it). Once (this or {@link #registerMBean}), before
     * {@link #close}. A refusal goes to {@code log}, naming the MBean: the job runs on without it.
     */
    public synchronized void registerMBeanOnceServerExists(final Consumer<String> log)
    {
        askRegistration();
        this.registrationLog = log;
        if (platformServerExists())
        {
            registerIn(ManagementFactory.getPlatformMBeanServer());
            return;
        }
        AWAITING_SERVER.add(this);
        watchForServerUnlessWatching();
    }

    /**
     * Whether an MBean server was made: the platform one is the first, and {@code getPlatformMBeanServer} makes it
     * through {@link MBeanServerFactory#createMBeanServer()}, which lists it here. An application that made a server
     * of its own gets the platform one made too, once.
     */
    private static boolean platformServerExists()
    {
        return !MBeanServerFactory.findMBeanServer(null).isEmpty();
    }

    /** Starts the watcher unless it runs. */
    private static void watchForServerUnlessWatching()
    {
        if (WATCHING_FOR_SERVER.compareAndSet(false, true))
        {
            final Thread watcher = new Thread(JobCounters::watchForServer, "weir-mbean-watch");
            watcher.setDaemon(true);
            watcher.setContextClassLoader(null);
            watcher.start();
        }
    }

    /**
     * The watcher's loop, while an MBean waits: registers the waiting MBeans once a server exists. A server that
     * cannot be had is reported to each waiting job's log, and those MBeans are given up. It stops when none waits,
     * and starts again with the next that does.
     */
    private static void watchForServer()
    {
        try
        {
            while (!AWAITING_SERVER.isEmpty())
            {
                if (platformServerExists())
                {
                    registerAwaiting();
                }
                Thread.sleep(SERVER_POLL_MS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt(); // nothing here interrupts it: the next MBean to wait starts another
        }
        finally
        {
            WATCHING_FOR_SERVER.set(false);
        }
        if (!AWAITING_SERVER.isEmpty())
        {
            watchForServerUnlessWatching(); // one came to wait as this one stopped
        }
    }

    private static void registerAwaiting()
    {
        MBeanServer server = null;
        RuntimeException failure = null;
        try
        {
            server = ManagementFactory.getPlatformMBeanServer();
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        for (final JobCounters counters : AWAITING_SERVER)
        {
            AWAITING_SERVER.remove(counters);
            if (null != server)
            {
                counters.registerIn(server);
            }
            else
            {
                counters.reportNotRegistered(failure);
            }
        }
    }

    private synchronized void registerIn(final MBeanServer server)
    {
        if (closed)
        {
            return;
        }
        try
        {
            server.registerMBean(mbean, objectName);
            registered = true;
        }
        catch (final JMException | RuntimeException ex)
        {
            reportNotRegistered(ex);
        }
    }

    /** Tells the job's log; a log that throws is not let stop the watcher, which serves every job. */
    private void reportNotRegistered(final Exception cause)
    {
        try
        {
            registrationLog.accept("MBean " + objectName + " not registered: " + cause);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("weir: MBean " + objectName + " not registered: " + cause + " (the job's log failed: " +
                ex + ")");
        }
    }

    private void askRegistration()
    {
        if (registrationAsked || closed)
        {
            throw new IllegalStateException(
                "MBean " + objectName + (closed ? ": the counters are closed" : " is already registered"));
        }
        registrationAsked = true;
    }

    /** Whether the MBean is registered now (it may wait for the server: {@link #registerMBeanOnceServerExists}). */
    public synchronized boolean isMBeanRegistered()
    {
        return registered;
    }

    /** The counters file. */
    public Path path()
    {
        return path;
    }

    /** The name under which the job's MBean is registered. */
    public ObjectName objectName()
    {
        return objectName;
    }

    public ShardCounters shard(final int shardId)
    {
        return shards[shardId];
    }

    /** Shard {@code shardId}'s instance of every operator, in stage order. */
    public OperatorCounters[] operators(final int shardId)
    {
        return operators[shardId].clone();
    }

    public ProducerCounters producer(final int producerIndex)
    {
        return producers[producerIndex];
    }

    public CheckpointCounters checkpoints()
    {
        return checkpoints;
    }

    /** Unregister the MBean, unmap and delete the file. Idempotent; after every writer thread has stopped. */
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        AWAITING_SERVER.remove(this);
        try
        {
            unregisterMBean();
        }
        catch (final JMException ex)
        {
            throw new IllegalStateException("cannot unregister MBean " + objectName + ": " + ex, ex);
        }
        finally
        {
            mbean.detach();
            release(path, mapped);
        }
    }

    /** After {@link #closed} is set: a registration that waits for the server never happens. */
    private synchronized void unregisterMBean() throws JMException
    {
        if (registered)
        {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            registered = false;
        }
    }

    private static void release(final Path path, final MappedByteBuffer mapped)
    {
        try
        {
            IoUtil.unmap(mapped);
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete counters file " + path + ": " + ex, ex);
        }
        finally
        {
            OPEN_FILES.remove(path);
        }
    }

    private static MappedByteBuffer map(final Path path, final long length) throws IOException
    {
        Files.createDirectories(path.getParent());
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            // Touch the pages now, so that counter updates never fault on a page the file system has to allocate.
            for (int i = 0; i < length; i += 4096)
            {
                mapped.put(i, (byte)0);
            }
            return mapped;
        }
    }

    private static void removeStale(final Path directory, final Consumer<String> log)
    {
        if (!Files.isDirectory(directory))
        {
            return;
        }
        try
        {
            final CountersDirectory.Scan scan = CountersDirectory.scan(directory);
            CountersDirectory.close(scan);
            for (final CountersDirectory.Stale stale : CountersDirectory.removeStale(scan))
            {
                log.accept("removed stale counters file " + stale.path() + " (pid " + stale.pid() +
                    " is not running)");
            }
        }
        catch (final IOException ex)
        {
            log.accept("cannot clean up counters directory " + directory + ": " + ex.getMessage());
        }
    }

    private static AtomicCounter newCounter(
        final CountersManager manager,
        final Map<String, AtomicCounter> attributes,
        final CounterType type,
        final int first,
        final int second)
    {
        return newCounter(manager, attributes, type, first, second, type.label(first, second));
    }

    private static AtomicCounter newCounter(
        final CountersManager manager,
        final Map<String, AtomicCounter> attributes,
        final CounterType type,
        final int operator,
        final String uid,
        final int shard)
    {
        return newCounter(manager, attributes, type, operator, shard, type.label(operator, uid, shard));
    }

    private static AtomicCounter newCounter(
        final CountersManager manager,
        final Map<String, AtomicCounter> attributes,
        final CounterType type,
        final int first,
        final int second,
        final String label)
    {
        final AtomicCounter counter = manager.newCounter(label, type.typeId(), (key) ->
        {
            key.putInt(CounterType.FIRST_INDEX_OFFSET, first);
            key.putInt(CounterType.SECOND_INDEX_OFFSET, second);
        });
        attributes.put(type.attributeName(first, second), counter);
        return counter;
    }
}
