/** Tests of the JShell walk-through in {@code samples/jshell}. */
package dev.mmpeft.samples.jshell;
