package dev.mmpeft.samples.serve;

import dev.mmpeft.core.config.ConfigException;

/**
 * What the HTTP layer accepts before a request reaches the engine: the body size, the decoded
 * image size in bytes and in pixels per side. Why here: these guard the JVM's heap against one
 * hostile request (a huge body, a decompression bomb) before anything is parsed or decoded.
 *
 * @param maxBodyBytes the largest request body
 * @param maxImageBytes the largest image file (after base64 decoding)
 * @param maxImageSide the largest width or height of an image, read from its header before decoding
 */
public record HttpLimits(long maxBodyBytes, long maxImageBytes, int maxImageSide) {
    /** 16 MiB bodies, 8 MiB images, 4096 pixels a side. */
    public static HttpLimits defaults() {
        return new HttpLimits(16L << 20, 8L << 20, 4096);
    }

    public HttpLimits {
        if (maxBodyBytes < 1 || maxImageBytes < 1 || maxImageSide < 1) {
            throw new ConfigException("HTTP limits must be >= 1: max body " + maxBodyBytes + " bytes, max image " + maxImageBytes
                    + " bytes, max image side " + maxImageSide + " pixels");
        }
    }
}
