package dev.mmpeft.core.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Builds a {@link FeatureCache} key: the SHA-256 (64 hex digits) of everything a cached output
 * depends on, fed in order. Why a digest and not the parts themselves: a key must also be a valid
 * safetensors tensor name and stay short whatever the inputs are (an image is hundreds of KB).
 */
public final class FeatureKey {
    private final MessageDigest md;

    private FeatureKey() {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A new, empty key builder. */
    public static FeatureKey builder() {
        return new FeatureKey();
    }

    /** Adds a text part (followed by a separator, so "ab"+"c" differs from "a"+"bc"). */
    public FeatureKey add(String part) {
        md.update(part.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x1f);
        return this;
    }

    /** Adds raw bytes (position to limit; the buffer's position is left unchanged). */
    public FeatureKey add(ByteBuffer bytes) {
        md.update(bytes.duplicate());
        md.update((byte) 0x1e);
        return this;
    }

    /** Adds {@code length} bytes of {@code bytes} from {@code offset}. */
    public FeatureKey add(byte[] bytes, int offset, int length) {
        md.update(bytes, offset, length);
        md.update((byte) 0x1e);
        return this;
    }

    /** The key: 64 lower-case hex digits. */
    public String build() {
        return HexFormat.of().formatHex(md.digest());
    }
}
