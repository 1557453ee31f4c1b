package io.weir.flink;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/** The mini-cluster of {@link FlinkRunner#sharedMiniCluster()}: started once per JVM, on a free local port. */
final class SharedMiniCluster
{
    static final int SLOTS = 4;
    private static MiniCluster cluster;
    private static int restPort;

    private SharedMiniCluster()
    {
    }

    static synchronized int restPort()
    {
        if (cluster == null)
        {
            final Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_ADDRESS, "localhost");
            conf.set(RestOptions.PORT, 0);
            conf.set(FlinkRunner.MANAGED_MEMORY_SIZE, "256m");
            final MiniCluster started = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(SLOTS).build());
            try
            {
                started.start();
                restPort = started.getRestAddress().get().getPort();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("cannot start the shared Flink mini-cluster: " + ex, ex);
            }
            cluster = started;
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                try
                {
                    started.close();
                }
                catch (final Exception ignored)
                {
                    // the JVM is exiting
                }
            }, "flink-mini-cluster-stop"));
        }
        return restPort;
    }
}
