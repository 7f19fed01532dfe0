package io.datalake.connect.lake;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/** The local filesystem under the scheme faulty://, whose renames can be made to fail. */
public class FaultyFileSystem extends RawLocalFileSystem {

    static volatile boolean failRenames;
    static volatile int failGlobs;  // the next this many globStatus calls fail

    @Override
    public org.apache.hadoop.fs.FileStatus[] globStatus(Path pattern) throws IOException {
        if (failGlobs > 0) {
            failGlobs--;
            throw new IOException("injected listing failure");
        }
        return super.globStatus(pattern);
    }

    @Override
    public URI getUri() {
        return URI.create("faulty:///");
    }

    @Override
    public String getScheme() {
        return "faulty";
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (failRenames) {
            throw new IOException("injected rename failure");
        }
        return super.rename(src, dst);
    }
}
