# proofs_upper.gp - Theorem 4.3: E||grad F(W_t)||^2 of the random iterate (95% CI)
# against T for k = 1..16, with the bound eq. (6) (dashed).
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 font ",10" } else { set terminal pdfcairo size 9in,6in font ",10" }
  set output outbase.".".fmt
  set logscale xy; set xlabel "T"; set ylabel "E||grad F(W_t)||^2"; set key bottom left
  set title "Theorem 4.3: measured (points, 95% CI) vs bound (6) (dashed)"
  ks = "1 2 4 8 16"
  plot for [i=1:5] indir."/upper_k".word(ks,i).".csv" using 2:5:7:8 with yerrorlines lc i title "k=".word(ks,i), \
       for [i=1:5] indir."/upper_k".word(ks,i).".csv" using 2:9 with lines dt 2 lc i notitle
}
