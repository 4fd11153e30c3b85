package dev.mmpeft.core.safetensors;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Moves tensor bytes between the file's little-endian layout and engine-owned arrays.
 *
 * <p>Arrays are allocated by the engine and filled through a writable view of their memory, so
 * a loaded weight is one copy owned by PyTorch (not a Java direct buffer counted against the
 * heap limit, and not a read-only map that would crash on an in-place update).
 */
final class TensorCodec {
    private TensorCodec() {}

    static NDArray decode(TensorInfo info, ByteBuffer src, NDManager manager) {
        if (manager.getDevice().isGpu()) {
            try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
                NDArray onCpu = decode(info, src, cpu);
                NDArray moved = onCpu.toDevice(manager.getDevice(), true);
                moved.attach(manager);
                return moved;
            }
        }
        NDArray array = manager.create(info.djlShape(), info.dtype().loadedAs());
        long count = info.elementCount();
        if (count == 0) {
            return array;
        }
        ByteBuffer dst = array.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // count fits an int: the caller caps a loaded array at 2 GiB
        int n = Math.toIntExact(count);
        switch (info.dtype()) {
            case BF16:
                // bfloat16 is the upper half of a float32: widening is a 16-bit shift, exact.
                for (int i = 0; i < n; i++) {
                    dst.putInt(i * 4, (in.getShort(i * 2) & 0xFFFF) << 16);
                }
                break;
            case I16:
                for (int i = 0; i < n; i++) {
                    dst.putInt(i * 4, in.getShort(i * 2));
                }
                break;
            case U16:
                for (int i = 0; i < n; i++) {
                    dst.putInt(i * 4, in.getShort(i * 2) & 0xFFFF);
                }
                break;
            case U32:
                for (int i = 0; i < n; i++) {
                    dst.putLong(i * 8, in.getInt(i * 4) & 0xFFFFFFFFL);
                }
                break;
            default:
                dst.put(0, in, 0, Math.toIntExact(info.byteSize()));
        }
        return array;
    }

    /** The little-endian bytes of an array as the file stores them. */
    static ByteBuffer encode(NDArray array) {
        NDArray cpu = array.getDevice().isGpu() ? array.toDevice(Device.cpu(), true) : array;
        ByteBuffer bytes = cpu.toByteBuffer(false).order(ByteOrder.LITTLE_ENDIAN);
        if (cpu != array) {
            cpu.close();
        }
        return bytes;
    }
}
