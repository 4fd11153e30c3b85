package dev.mmpeft.samples.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A {@link PrintStream} over a command's {@link PrintWriter}: the trainer and the experiment write
 * their progress to a {@code PrintStream}, and commands must write where picocli's {@code getOut()}
 * says (the terminal, or a test's buffer).
 */
final class Consoles {
    private Consoles() {}

    /** A UTF-8 print stream that writes through to {@code writer}, flushing it on every flush. */
    static PrintStream of(PrintWriter writer) {
        return new PrintStream(new DecodingStream(writer), true, StandardCharsets.UTF_8);
    }

    /** Decodes UTF-8 bytes (possibly split across writes) into characters for the writer. */
    private static final class DecodingStream extends OutputStream {
        private final PrintWriter writer;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final ByteBuffer pending = ByteBuffer.allocate(8192);
        private final CharBuffer chars = CharBuffer.allocate(8192);

        DecodingStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int i = off;
            while (i < off + len) {
                int n = Math.min(pending.remaining(), off + len - i);
                pending.put(b, i, n);
                i += n;
                drain();
            }
        }

        private void drain() {
            pending.flip();
            while (true) {
                chars.clear();
                decoder.decode(pending, chars, false);
                chars.flip();
                if (!chars.hasRemaining()) {
                    break;
                }
                writer.append(chars);
            }
            pending.compact();
        }

        @Override
        public synchronized void flush() {
            writer.flush();
        }
    }
}
