package dev.mmpeft.datasets;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a read did besides producing examples: how many records it read, left out on request
 * ({@code imagesOnly}), skipped as bad input (lenient mode, missing images with {@link
 * MissingImages#SKIP}) and kept with a missing image. A run never drops data silently: every skip
 * is counted here and the first ones are logged with their reason.
 *
 * <p>Live while the stream is consumed; final once it is exhausted or closed.
 */
public final class ReadReport {
    private static final Logger LOG = LoggerFactory.getLogger(ReadReport.class);
    private static final int KEPT_MESSAGES = 100;

    private final String source;
    private final int maxLogged;
    private long examples;
    private long filtered;
    private long missingImages;
    private long skipped;
    private final Map<String, Long> skippedByReason = new TreeMap<>();
    private final List<String> skipMessages = new ArrayList<>();

    /** A report for reading {@code source}, logging at most {@code maxLogged} skips one by one. */
    public ReadReport(String source, int maxLogged) {
        this.source = source;
        this.maxLogged = maxLogged;
    }

    /** Counts one example handed out. */
    public synchronized void countExample() {
        examples++;
    }

    /** Counts one record left out because the options exclude it (e.g. no image with imagesOnly). */
    public synchronized void countFiltered() {
        filtered++;
    }

    /** Counts one record kept although its image file is missing ({@link MissingImages#KEEP}). */
    public synchronized void countMissingImageKept() {
        missingImages++;
    }

    /** Counts and logs one skipped record. */
    public synchronized void skip(DatasetException e) {
        skipped++;
        String reason = e instanceof MissingImageException
                ? "missing image"
                : e.field().map(f -> "field '" + f + "'").orElse("record");
        skippedByReason.merge(reason, 1L, Long::sum);
        if (skipMessages.size() < KEPT_MESSAGES) {
            skipMessages.add(e.getMessage());
        }
        if (skipped <= maxLogged) {
            LOG.warn("skipped: {}", e.getMessage());
        } else if (skipped == maxLogged + 1L) {
            LOG.warn("{}: more records skipped; the rest are only counted", source);
        }
    }

    /** The dataset this report is about. */
    public String source() {
        return source;
    }

    /** Examples handed out so far. */
    public synchronized long examples() {
        return examples;
    }

    /** Records left out on request (not errors). */
    public synchronized long filtered() {
        return filtered;
    }

    /** Examples handed out whose image file is missing ({@link MissingImages#KEEP}). */
    public synchronized long missingImages() {
        return missingImages;
    }

    /** Records skipped as bad input. */
    public synchronized long skipped() {
        return skipped;
    }

    /** Skips per reason ({@code missing image}, {@code field 'answer'}, ...). */
    public synchronized Map<String, Long> skippedByReason() {
        return ImmutableSortedMap.copyOf(skippedByReason);
    }

    /** The messages of the first 100 skips. */
    public synchronized List<String> skipMessages() {
        return ImmutableList.copyOf(skipMessages);
    }

    /** Logs a one-line summary when anything was skipped or kept with a missing image. */
    synchronized void logSummary() {
        if (skipped > 0) {
            LOG.warn("{}: skipped {} bad record(s) {}; read {}", source, skipped, skippedByReason, examples);
        }
        if (missingImages > 0) {
            LOG.warn("{}: {} example(s) name an image file that is missing", source, missingImages);
        }
    }

    @Override
    public synchronized String toString() {
        return source + ": " + examples + " examples, " + filtered + " left out on request, " + skipped
                + " skipped" + (skipped > 0 ? " " + skippedByReason : "") + ", " + missingImages
                + " with a missing image";
    }
}
