# proofs_lemma_a5.gp - Lemma A.5 on matrix sensing: sup over the GD path of
# |tr H_n - tr H| and of ||H_n - H||_F against the number of measurements n
# (means over data sets, 95% CI), the same at the GD solution, and n^{-1/2}
# reference lines (dashed) through the mean of sqrt(n) x the sup.
set datafile separator ","
stats indir."/lemma_a5.csv" using ($2*sqrt($1)) nooutput; at = STATS_mean
stats indir."/lemma_a5.csv" using ($6*sqrt($1)) nooutput; af = STATS_mean
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 font ",10" } else { set terminal pdfcairo size 9in,6in font ",10" }
  set output outbase.".".fmt
  set logscale xy; set xlabel "n (measurements)"; set ylabel "deviation"; set key bottom left
  set title "Lemma A.5 on matrix sensing: empirical vs population Hessian along the GD path"
  plot indir."/lemma_a5.csv" using 1:2:($2-1.96*$3):($2+1.96*$3) with yerrorlines lc 1 pt 7 title "sup over the path of |tr H_n - tr H|", \
       indir."/lemma_a5.csv" using 1:10:($10-1.96*$11):($10+1.96*$11) with yerrorlines lc 1 pt 6 dt 3 title "|tr H_n - tr H| at the GD solution", \
       indir."/lemma_a5.csv" using 1:6:($6-1.96*$7):($6+1.96*$7) with yerrorlines lc 2 pt 7 title "sup over the path of ||H_n - H||_F", \
       indir."/lemma_a5.csv" using 1:12:($12-1.96*$13):($12+1.96*$13) with yerrorlines lc 2 pt 6 dt 3 title "||H_n - H||_F at the GD solution", \
       at*x**-0.5 with lines lc 1 dt 2 title "n^{-1/2}", af*x**-0.5 with lines lc 2 dt 2 notitle
}
