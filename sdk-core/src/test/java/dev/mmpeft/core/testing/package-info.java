/** Test support shared by every module's tests (published as sdk-core's test-jar): shared files, resources, fuzzing. */
package dev.mmpeft.core.testing;
