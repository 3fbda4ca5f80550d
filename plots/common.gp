# common.gp - shared style for every figure (loaded by the other scripts).
# Colour-blind-safe palette (Okabe-Ito): GD vermillion, WP-GD blue, NSO green.
set datafile separator ","
set datafile commentschars "#"
set key top right noenhanced box opaque
set grid lw 0.5 lc rgb "#dddddd"
set border lw 1.2
set style line 1 lw 2.2 lc rgb "#D55E00"
set style line 2 lw 2.2 lc rgb "#0072B2"
set style line 3 lw 2.2 lc rgb "#009E73"
set style line 4 lw 1.5 lc rgb "#555555" dt 2
set style line 5 lw 1.5 lc rgb "#CC79A7" dt 3
