# proofs_upper_laws.gp - Theorem 4.3 under every symmetric law P: measured
# E||grad F(W_t)||^2 divided by the bound (6) of that law (95% CI) against T,
# k = 1 (solid) and k = 4 (dashed); the bound holds below the line at 1.
# upper_laws.csv: one block (gnuplot index) per (law, k), law-major.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 font ",10" } else { set terminal pdfcairo size 9in,6in font ",10" }
  set output outbase.".".fmt
  set logscale x; set xlabel "T"; set ylabel "E||grad F(W_t)||^2 / bound (6)"; set key bottom right
  set yrange [0:1.2]
  set title "Theorem 4.3 for every symmetric law: measured / bound (95% CI); k = 1 solid, k = 4 dashed"
  laws = "gaussian laplace uniform binomial rademacher"
  plot for [j=0:4] indir."/upper_laws.csv" index 2*j using 3:8:($8-1.96*$6/$7):($8+1.96*$6/$7) \
         with yerrorlines lc j+1 dt 1 title word(laws, j+1), \
       for [j=0:4] indir."/upper_laws.csv" index 2*j+1 using 3:8:($8-1.96*$6/$7):($8+1.96*$6/$7) \
         with yerrorlines lc j+1 dt 2 notitle, \
       1 with lines lc rgb "black" dt 3 title "bound"
}
