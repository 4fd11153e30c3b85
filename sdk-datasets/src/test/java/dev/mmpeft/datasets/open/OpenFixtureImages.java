package dev.mmpeft.datasets.open;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Writes the small JPEG images of the fixtures under {@code src/test/resources/open}, one per image
 * the fixture records name, each a 16x16 picture of two colour blocks that differ per file. Run it
 * again after adding a record: {@code java sdk-datasets/src/test/java/dev/mmpeft/datasets/open/OpenFixtureImages.java
 * sdk-datasets/src/test/resources/open}.
 */
public final class OpenFixtureImages {
    /** Every image the fixtures name, relative to the fixture folder. */
    static final List<String> IMAGES = List.of(
            "flickr30k/flickr30k-images/1000092795.jpg",
            "flickr30k/flickr30k-images/1000268201.jpg",
            "flickr30k/flickr30k-images/1001773457.jpg",
            "flickr30k/flickr30k-images/1007129816.jpg",
            "textcaps/train_images/011e7e629fb9ae7b.jpg",
            "textcaps/train_images/0127e6f9a2c0b1d7.jpg",
            "textcaps/train_images/0a0bc91825468c45.jpg",
            "textcaps/test_images/0b1f6b1e3c0a1a57.jpg",
            "okvqa/val2014/COCO_val2014_000000297147.jpg",
            "okvqa/val2014/COCO_val2014_000000393225.jpg",
            "okvqa/val2014/COCO_val2014_000000000192.jpg",
            "okvqa/train2014/COCO_train2014_000000051606.jpg",
            "okvqa/train2014/COCO_train2014_000000175058.jpg",
            "aokvqa/train2017/000000299207.jpg",
            "aokvqa/val2017/000000461751.jpg",
            "aokvqa/val2017/000000003712.jpg",
            "aokvqa/test2017/000000000120.jpg",
            "textvqa/train_images/0054c91397f2fe05.jpg",
            "textvqa/train_images/005635e119b9f32f.jpg",
            "textvqa/train_images/003a8ae2ef43b901.jpg",
            "textvqa/train_images/004e21eb2e686f40.jpg",
            "textvqa/test_images/00a6a5a3f2a2c2d1.jpg");

    private OpenFixtureImages() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "sdk-datasets/src/test/resources/open");
        for (int i = 0; i < IMAGES.size(); i++) {
            Path p = root.resolve(IMAGES.get(i));
            Files.createDirectories(p.getParent());
            write(p, i);
        }
    }

    /** A 16x16 JPEG of two colour blocks chosen by {@code seed}. */
    static void write(Path file, int seed) throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color((seed * 73) % 256, (seed * 151) % 256, (seed * 199) % 256));
        g.fillRect(0, 0, 16, 16);
        g.setColor(new Color(255 - (seed * 37) % 256, (seed * 91) % 256, 128));
        g.fillRect(4, 4, 8, 8);
        g.dispose();
        if (!ImageIO.write(img, "jpg", file.toFile())) {
            throw new IOException("no JPEG writer");
        }
    }
}
