package io.datalake.connect.lake;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/** The local filesystem under the scheme faulty://, whose renames can be made to fail. */
public class FaultyFileSystem extends RawLocalFileSystem {

    static volatile boolean failRenames;

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
