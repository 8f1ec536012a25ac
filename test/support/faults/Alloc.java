import java.util.ArrayList;
import java.util.List;

/**
 * Scenario S1 workload: allocate `targetMiB` of heap in 1 MiB chunks (touching every page so it
 * is really resident, anonymous memory), then hold it for `holdSeconds` and exit.
 * Run as a single-file source: `java -Xmx1g Alloc.java 900 30`.
 */
public class Alloc {
  public static void main(String[] args) throws Exception {
    int targetMiB = args.length > 0 ? Integer.parseInt(args[0]) : 900;
    int holdSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < targetMiB; i++) {
      byte[] chunk = new byte[1024 * 1024];
      for (int j = 0; j < chunk.length; j += 4096) chunk[j] = (byte) i;
      chunks.add(chunk);
      if (i % 50 == 0) Thread.sleep(5);
    }
    System.out.println("allocated " + targetMiB + " MiB");
    System.out.flush();
    Thread.sleep(holdSeconds * 1000L);
    System.out.println("held " + chunks.size());
  }
}
