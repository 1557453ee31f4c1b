package io.weir.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;

/** The job's counters as JMX attributes, read-only; reads stop (return null) once the job closed them. */
final class CountersMBean implements DynamicMBean
{
    private final Map<String, AtomicCounter> counters;
    private final MBeanInfo info;
    private boolean detached;

    CountersMBean(final String jobName, final Path path, final Map<String, AtomicCounter> counters)
    {
        this.counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
        final List<MBeanAttributeInfo> attributes = new ArrayList<>();
        for (final Map.Entry<String, AtomicCounter> counter : counters.entrySet())
        {
            attributes.add(new MBeanAttributeInfo(counter.getKey(), "long",
                counter.getValue().label(), true, false, false));
        }
        this.info = new MBeanInfo(JobCounters.class.getName(),
            "Counters of Weir job '" + jobName + "', also published in " + path,
            attributes.toArray(new MBeanAttributeInfo[0]), null, null, null);
    }

    /** The job closed its counters: their memory is about to be unmapped. */
    synchronized void detach()
    {
        detached = true;
    }

    public synchronized Object getAttribute(final String attribute)
        throws AttributeNotFoundException
    {
        final AtomicCounter counter = counters.get(attribute);
        if (null == counter)
        {
            throw new AttributeNotFoundException(attribute);
        }
        return detached ? null : counter.get();
    }

    public void setAttribute(final Attribute attribute)
        throws AttributeNotFoundException
    {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    public synchronized AttributeList getAttributes(final String[] attributes)
    {
        final AttributeList list = new AttributeList();
        for (final String name : attributes)
        {
            final AtomicCounter counter = counters.get(name);
            if (null != counter && !detached)
            {
                list.add(new Attribute(name, counter.get()));
            }
        }
        return list;
    }

    public AttributeList setAttributes(final AttributeList attributes)
    {
        return new AttributeList();
    }

    public Object invoke(final String actionName, final Object[] params, final String[] signature)
        throws ReflectionException
    {
        throw new ReflectionException(
            new NoSuchMethodException(actionName), "the counters MBean has no operations");
    }

    public MBeanInfo getMBeanInfo()
    {
        return info;
    }
}
