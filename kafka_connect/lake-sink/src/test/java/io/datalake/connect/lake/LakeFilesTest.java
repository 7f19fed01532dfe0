package io.datalake.connect.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LakeFilesTest {

    @Test
    void committedNamesArePaddedAndRoundTrip() {
        var file = new LakeFiles.Committed("orders.v1-eu_west", 3, 7, 123456789012L);
        assertEquals("orders.v1-eu_west+3+00000000000000000007+00000000123456789012.jsonl", file.name());
        assertEquals(Optional.of(file), LakeFiles.parse(file.name()));
    }

    @Test
    void namesSortInOffsetOrder() {
        List<String> names = new ArrayList<>();
        for (long start : new long[] {1000, 9, 100, 0, 99999999999L}) {
            names.add(new LakeFiles.Committed("t", 0, start, start + 5).name());
        }
        names.sort(null);
        List<Long> starts = names.stream().map(n -> LakeFiles.parse(n).orElseThrow().startOffset()).toList();
        assertEquals(List.of(0L, 9L, 100L, 1000L, 99999999999L), starts);
    }

    @Test
    void tempAndForeignNamesAreNotCommittedFiles() {
        String temp = LakeFiles.tempName("t.x", 1, 5);
        assertTrue(temp.startsWith(".t.x+1+00000000000000000005.") && temp.endsWith(".tmp"));
        assertEquals(Optional.empty(), LakeFiles.parse(temp));
        assertEquals(Optional.empty(), LakeFiles.parse("t+1+5+9.jsonl"));
        assertEquals(Optional.empty(), LakeFiles.parse("_SUCCESS"));
        assertEquals(Optional.empty(), LakeFiles.parse(".t+0+00000000000000000000+00000000000000000001.jsonl.crc"));
    }

    @Test
    void dtIsTheUtcDateOfTheTimestamp() {
        assertEquals("dt=1970-01-01", LakeFiles.dtFolder(0));
        long lastMs = Instant.parse("2024-02-29T23:59:59.999Z").toEpochMilli();
        assertEquals("dt=2024-02-29", LakeFiles.dtFolder(lastMs));
        assertEquals("dt=2024-03-01", LakeFiles.dtFolder(lastMs + 1));
    }
}
