package dev.mmpeft.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark of the test JVM, shared by the test classes (starting Spark costs seconds):
 * two task threads, and up to two attempts per task ({@code local[2,2]}: in local mode the master
 * string sets {@code spark.task.maxFailures}), bound to loopback, without the web UI.
 */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder().appName("mmpeft-sdk-spark-tests").master("local[2,2]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
