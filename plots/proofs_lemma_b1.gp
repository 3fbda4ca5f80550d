# proofs_lemma_b1.gp - Lemma B.1, eq. (29), with non-constant steps: E||grad F(W_t)||^2
# at the random iterate Pr[t] ~ eta_t (points, 95% CI) and the right side of (29)
# with the derived 2 D^2 (solid) and the printed 2C D^2 (dashed), against T,
# one colour per schedule.  lemma_b1.csv: one block (gnuplot index) per schedule.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 font ",10" } else { set terminal pdfcairo size 9in,6in font ",10" }
  set output outbase.".".fmt
  set logscale xy; set xlabel "T"; set ylabel "E||grad F(W_t)||^2 at the random iterate"; set key top right
  set title "Lemma B.1 (29): measured (points) vs right side, derived 2D^2 (solid) and printed 2CD^2 (dashed)"
  names = "sqrt milestones step constant"
  plot for [i=0:3] indir."/lemma_b1.csv" index i using 2:6:($6-1.96*$7):($6+1.96*$7) with yerrorbars lc (i+1) pt 7 title word(names, i+1), \
       for [i=0:3] indir."/lemma_b1.csv" index i using 2:8 with lines lc (i+1) notitle, \
       for [i=0:3] indir."/lemma_b1.csv" index i using 2:9 with lines lc (i+1) dt 2 notitle
}
