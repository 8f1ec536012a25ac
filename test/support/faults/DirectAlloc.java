import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Footprint scenario workload: a small heap and `targetMiB` of direct (off-heap) buffers in 4 MiB
 * chunks, every page written so it is resident anonymous memory the heap limit does not bound
 * (-XX:MaxDirectMemorySize does), then held for `holdSeconds`.
 * Compiled once by the scenario test: `java -Xmx64m -XX:MaxDirectMemorySize=512m DirectAlloc 400 30`.
 */
public class DirectAlloc {
  public static void main(String[] args) throws Exception {
    int targetMiB = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    int holdSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    List<ByteBuffer> buffers = new ArrayList<>();
    for (int i = 0; i < targetMiB; i += 4) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 * 1024 * 1024);
      for (int j = 0; j < b.capacity(); j += 4096) b.put(j, (byte) i);
      buffers.add(b);
      if (i % 64 == 0) Thread.sleep(5);
    }
    System.out.println("allocated " + buffers.size() * 4 + " MiB direct");
    System.out.flush();
    Thread.sleep(holdSeconds * 1000L);
    System.out.println("held " + buffers.size());
  }
}
