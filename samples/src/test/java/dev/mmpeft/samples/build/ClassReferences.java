package dev.mmpeft.samples.build;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes a compiled class refers to, read from its constant pool: every class entry (what
 * {@code new}, calls, field accesses, casts and catches name) and every type in a descriptor or
 * generic signature (parameters, returns, fields, type arguments). Why class files and not
 * imports: a fully qualified name in code, a wildcard import or an inherited type is invisible
 * to an import scan, but not to the compiler's output.
 */
final class ClassReferences {
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([\\w/$]+)[;<]");

    private ClassReferences() {}

    /** Dotted names ({@code dev.mmpeft.core.Component}) of the classes {@code classFile} refers to. */
    static Set<String> of(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        List<Integer> classNameIndexes = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndexes.add(in.readUnsignedShort());
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // a long or double takes two slots
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        Set<String> out = new TreeSet<>();
        for (int index : classNameIndexes) {
            String name = utf8[index];
            if (name.startsWith("[")) {
                addDescriptorTypes(name, out);
            } else {
                out.add(name.replace('/', '.'));
            }
        }
        for (String s : utf8) {
            if (s != null && (s.startsWith("(") || s.startsWith("L") || s.startsWith("<") || s.startsWith("["))) {
                addDescriptorTypes(s, out);
            }
        }
        return out;
    }

    private static void addDescriptorTypes(String descriptor, Set<String> out) {
        Matcher m = DESCRIPTOR_TYPE.matcher(descriptor);
        while (m.find()) {
            out.add(m.group(1).replace('/', '.'));
        }
    }
}
